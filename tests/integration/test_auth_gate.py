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


# --- group scope: every route that names a ticket -----------------------------------------------------------------

TICKET_ROUTES = sorted(
    key
    for key, (_, need) in SERVED.items()
    if need is not None and not need.public and need.ticket and f"{{{need.ticket}}}" in key[1]
)


def _person(sub: str, role: str) -> dict[str, str]:
    return {"sub": sub, "email": f"{sub}@example.com", "cognito:groups": f"[{role}]"}


@pytest.fixture
def billing_ticket(world: None) -> Any:
    """A ticket of group billing assigned to `assignee-1` (who is in no group); `outsider-*` are in group it,
    `member-*` in billing."""
    from loket.core import directory, tickets
    from loket.core.domain.directory import Agent, Group
    from loket.core.domain.ticket import Actor, Channel

    for name in ("billing", "it"):
        directory.save_group(Group(name=name))
    for sub, role, groups in [
        ("outsider-agent", "agent", ("it",)),
        ("outsider-lead", "lead", ("it",)),
        ("member-agent", "agent", ("billing",)),
        ("member-lead", "lead", ("billing",)),
    ]:
        directory.save_agent(Agent(agent_id=sub, email=f"{sub}@example.com", role=role, groups=groups))
    new = tickets.NewTicket(
        subject="Refund", body_text="Please refund", requester_email="c@example.com", channel=Channel.API,
        group="billing", assignee="assignee-1",
    )  # fmt: skip
    ticket, _ = tickets.create_ticket(new, Actor(kind="customer", id="c@example.com", email="c@example.com"))
    return ticket


def _on_ticket(function: str, method: str, path: str, ref: str) -> dict[str, Any]:
    event = _event(function, method, path)
    event["pathParameters"] = {**(event.get("pathParameters") or {}), "ticket": ref}
    raw = path
    for name, value in event["pathParameters"].items():
        raw = raw.replace(f"{{{name}}}", value)
    event["rawPath"] = event["requestContext"]["http"]["path"] = raw
    return event


def _reply(function: str, event: dict[str, Any], claims: dict[str, str], context: Any) -> tuple[int, Any]:
    event = json.loads(json.dumps(event))
    event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    result = HANDLERS[function].lambda_handler(event, context)
    return int(result["statusCode"]), json.loads(result.get("body") or "null")


def test_the_scope_cases_cover_every_ticket_route() -> None:
    paths = {path for _, path in TICKET_ROUTES}
    assert {"/v1/tickets/{ticket}", "/v1/tickets/{ticket}/conversation", "/v1/tickets/{ticket}/audit"} <= paths
    # every route behind the gate that names a ticket (the public status pages check their signed token instead)
    assert sorted(k for k, (_, need) in SERVED.items() if "{ticket}" in k[1] and need and need.role) == TICKET_ROUTES


@pytest.mark.parametrize(("method", "path"), TICKET_ROUTES, ids=lambda v: str(v))
def test_a_ticket_outside_the_callers_groups_is_answered_like_one_that_does_not_exist(
    billing_ticket: Any, lambda_context: Any, method: str, path: str
) -> None:
    from loket.core.data import tickets as repo
    from loket.core.domain.ticket import format_number

    function, need = SERVED[(method, path)]
    assert need is not None and need.role is not None
    ref, missing = format_number(int(billing_ticket.number)), "LKT-999999"
    allowed = [role for role in ROLES if RANK[role] >= RANK[need.role]]
    version = int(repo.get_ticket(billing_ticket.ticket_id).version)
    for role in (r for r in allowed if r != "admin"):
        caller = _person(f"outsider-{role}", role)
        status, body = _reply(function, _on_ticket(function, method, path, ref), caller, lambda_context)
        expected = _reply(function, _on_ticket(function, method, path, missing), caller, lambda_context)
        assert status == 404, (role, body)
        assert (status, json.dumps(body).replace(ref, missing)) == (expected[0], json.dumps(expected[1])), role
    assert int(repo.get_ticket(billing_ticket.ticket_id).version) == version  # and nothing changed
    # the assignee first: a PATCH (its sample assigns the ticket to someone else) takes it out of their scope
    insiders = [_person("assignee-1", "agent")] if "agent" in allowed else []
    insiders += [_person(f"member-{role}", role) for role in allowed if role != "admin"]
    insiders += [_person("admin-1", "admin")]
    for caller in insiders:
        status, body = _reply(function, _on_ticket(function, method, path, ref), caller, lambda_context)
        assert status not in (401, 403), (caller["sub"], body)
        assert (body or {}).get("error", {}).get("code") != "ticket_not_found", (caller["sub"], body)
