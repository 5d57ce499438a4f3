"""The one auth gate: every route the functions serve is a template route, and each answers no token with 401,
a role below the one it declares with 403, and its role with neither; a route that declares nothing is a 403.

Events are the samples in events/<function>/ (built like API Gateway's payload 2.0), with the claims the JWT
authorizer would pass; the resolvers are the composed apps the functions serve.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from functions.agent_api import app as agent_api
from functions.web_form import app as web_form
from loket.channels.agent_api.api import build_app
from loket.core.auth import RANK, ROLES, Requires, declared_routes
from loket_local.template import LocalTemplate

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = {"AgentApiFunction": agent_api, "WebFormFunction": web_form}
EVENT_DIRS = {"AgentApiFunction": "agent_api", "WebFormFunction": "web_form"}


def _claims(role: str) -> dict[str, str]:
    return {"sub": f"{role}-1", "email": f"{role}@example.com", "cognito:groups": f"[{role}]"}


def _served() -> dict[tuple[str, str], tuple[str, Requires | None]]:
    """(METHOD, path) -> (function, declaration), from the resolvers the handlers serve."""
    routes: dict[tuple[str, str], tuple[str, Requires | None]] = {}
    for function, module in HANDLERS.items():
        for key, need in declared_routes(module.resolver()).items():
            if key[0] != "OPTIONS":  # CORS preflights: API Gateway answers them (CorsConfiguration)
                routes[key] = (function, need)
    return routes


SERVED = _served()


def _event(function: str, method: str, path: str) -> dict[str, Any]:
    for sample in sorted((ROOT / "events" / EVENT_DIRS[function]).glob("*.json")):
        event = json.loads(sample.read_text())
        if event.get("routeKey") == f"{method} {path}":
            return event
    raise AssertionError(f"no sample event in events/{EVENT_DIRS[function]} for {method} {path}")


def _call(function: str, event: dict[str, Any], claims: dict[str, str] | None, context: Any) -> int:
    event = json.loads(json.dumps(event))
    if claims is None:
        event["requestContext"].pop("authorizer", None)
    else:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return int(HANDLERS[function].lambda_handler(event, context)["statusCode"])


@pytest.fixture
def world(aws: None, signing_key: Any) -> Iterator[None]:
    yield


def test_the_routes_the_resolvers_serve_are_the_templates_http_api_routes() -> None:
    in_template = {(r.method, r.path): r.function for r in LocalTemplate().routes()}
    assert {key: function for key, (function, _) in SERVED.items()} == in_template


def test_every_served_route_declares_who_may_call_it_and_public_ones_have_no_authorizer() -> None:
    undeclared = sorted(key for key, (_, need) in SERVED.items() if need is None)
    assert not undeclared
    template_public = {(r.method, r.path) for r in LocalTemplate().routes() if r.authorizer is None}
    assert {key for key, (_, need) in SERVED.items() if need is not None and need.public} == template_public


@pytest.mark.parametrize(("method", "path"), sorted(SERVED), ids=lambda v: str(v))
def test_each_route_answers_401_without_token_403_below_its_role_and_neither_with_it(
    world: None, lambda_context: Any, method: str, path: str
) -> None:
    function, need = SERVED[(method, path)]
    assert need is not None
    event = _event(function, method, path)
    if need.public:
        # the public JSON route refuses an Origin it does not allow with 403 origin_not_allowed: not the gate
        event["headers"].pop("origin", None)
        assert _call(function, event, None, lambda_context) not in (401, 403)
        return
    assert need.role is not None
    assert _call(function, event, None, lambda_context) == 401
    below = [role for role in ROLES if RANK[role] < RANK[need.role]] or ["customers"]  # a group that is no role
    for role in below:
        assert _call(function, event, _claims(role), lambda_context) == 403, role
    for role in (role for role in ROLES if RANK[role] >= RANK[need.role]):
        assert _call(function, event, _claims(role), lambda_context) not in (401, 403), role


def test_a_route_that_declares_nothing_answers_403_to_everyone(lambda_context: Any) -> None:
    extra = APIGatewayHttpRouter()

    @extra.get("/v1/forgotten")
    def forgotten() -> Response[str]:
        return Response(200, "text/plain", "reached")

    # a resolver of its own: a router included into a second resolver would hand that one its context
    app: APIGatewayHttpResolver = build_app(extra)
    event = _event("AgentApiFunction", "GET", "/v1/agents")
    event.update(routeKey="GET /v1/forgotten", rawPath="/v1/forgotten")
    event["requestContext"]["http"]["path"] = "/v1/forgotten"
    for claims in (None, _claims("agent"), _claims("admin")):
        e = json.loads(json.dumps(event))
        if claims is None:
            e["requestContext"].pop("authorizer", None)
        else:
            e["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
        reply = app.resolve(e, lambda_context)
        assert reply["statusCode"] == 403, claims
        assert json.loads(reply["body"])["error"]["code"] == "forbidden"


def test_a_refused_caller_gets_401_before_any_complaint_about_the_body(world: None, lambda_context: Any) -> None:
    event = _event("AgentApiFunction", "POST", "/v1/tickets")
    event["body"] = '{"not": "a ticket"}'
    assert _call("AgentApiFunction", event, None, lambda_context) == 401
    assert _call("AgentApiFunction", event, _claims("customers"), lambda_context) == 403
    assert _call("AgentApiFunction", event, _claims("agent"), lambda_context) == 422


def test_an_unknown_route_is_404_not_a_refusal(lambda_context: Any) -> None:
    event = _event("AgentApiFunction", "GET", "/v1/agents")
    event.update(routeKey="GET /v1/nowhere", rawPath="/v1/nowhere")
    event["requestContext"]["http"]["path"] = "/v1/nowhere"
    reply = agent_api.resolver().resolve(event, lambda_context)
    assert (reply["statusCode"], json.loads(reply["body"])["error"]["code"]) == (404, "route_not_found")
