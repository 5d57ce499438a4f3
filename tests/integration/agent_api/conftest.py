"""Call the agent API handler with the events in events/agent_api, changed per test."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from functions.agent_api import app as agent_api
from loket.platform.aws import reset as reset_platform
from tests.conftest import load_event
from tests.support.botocore_hooks import on_dynamodb_call

_UNSET: Any = object()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


class Api:
    def __init__(self, context: Any) -> None:
        self.context = context

    def __call__(
        self,
        event_name: str,
        *,
        ticket: str | None = None,
        path: dict[str, str] | None = None,
        body: Any = _UNSET,
        raw_body: str | None = None,
        base64_body: bool | None = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str | None] | None = None,
        claims: dict[str, Any] | object | None = _UNSET,
    ) -> Reply:
        event = load_event(f"agent_api/{event_name}.json")
        params = {**({"ticket": ticket} if ticket is not None else {}), **(path or {})}
        if params:
            event["pathParameters"] = {**event.get("pathParameters", {}), **params}
            route = event["routeKey"].split(" ", 1)[1]
            for name, value in event["pathParameters"].items():
                route = route.replace(f"{{{name}}}", value)
            event["rawPath"] = route
            event["requestContext"]["http"]["path"] = route
        if body is not _UNSET:
            event["body"] = json.dumps(body)
        if raw_body is not None:
            event["body"] = raw_body
        if base64_body is not None:
            event["isBase64Encoded"] = base64_body
        if query is not None:
            event["queryStringParameters"] = query
            event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
        for name, value in (headers or {}).items():
            if value is None:
                event["headers"].pop(name, None)
            else:
                event["headers"][name] = value
        if claims is None:
            event["requestContext"].pop("authorizer", None)
        elif claims is not _UNSET:
            event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
        result = agent_api.lambda_handler(event, self.context)
        text = result.get("body") or ""
        try:
            parsed = json.loads(text) if text else None
        except json.JSONDecodeError:
            parsed = text
        return Reply(result["statusCode"], {k.lower(): v for k, v in (result.get("headers") or {}).items()}, parsed)

    def create(self, **changes: Any) -> dict[str, Any]:
        key = changes.pop("key", None) or uuid.uuid4().hex
        body = json.loads(load_event("agent_api/create_ticket.json")["body"])
        body.update(changes)
        reply = self("create_ticket", body=body, headers={"idempotency-key": key})
        assert reply.status == 201, reply.body
        return reply.body


class DynamoCalls:
    """A botocore hook on every client created during the test: records each DynamoDB operation."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def record(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)

    def reset(self) -> None:
        self.calls.clear()


@pytest.fixture
def dynamo_calls(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoCalls]:
    recorder = DynamoCalls()
    with on_dynamodb_call(monkeypatch, recorder.record):
        yield recorder
    assert "Scan" not in recorder.calls, "a Scan ran: every access must be a GetItem or a Query"


ATTACHMENTS_BUCKET = "loket-test-attachments"


@pytest.fixture
def bucket(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The attachments bucket in moto, named in the settings."""
    boto3.client("s3").create_bucket(Bucket=ATTACHMENTS_BUCKET)
    monkeypatch.setenv("ATTACHMENTS_BUCKET", ATTACHMENTS_BUCKET)
    reset_platform()
    yield ATTACHMENTS_BUCKET
    reset_platform()


# the groups the tests file tickets under; the sample events' agent ("agent-1") is a member of each, so group scope
# lets them see what they open (tests/integration/test_scope.py tries the scope itself)
TEST_GROUPS = ("support", "billing", "it")


def join_groups(agent_id: str, email: str, groups: tuple[str, ...], role: str = "agent") -> None:
    """Put an agent in the directory as a member of `groups` (made when missing)."""
    from loket.core import directory
    from loket.core.domain.directory import Agent, Group

    for name in groups:
        if directory.group(name) is None:
            directory.save_group(Group(name=name))
    current = directory.agent(agent_id)
    directory.save_agent(
        Agent(agent_id=agent_id, email=email, role=role, groups=groups), current.version if current else None
    )


@pytest.fixture
def api(dynamo_calls: DynamoCalls, lambda_context: Any) -> Api:
    join_groups("agent-1", "agent@example.com", TEST_GROUPS)
    dynamo_calls.reset()
    return Api(lambda_context)


ADMIN = {"sub": "admin-1", "email": "admin@example.com", "cognito:groups": "[admin]"}
AGENT = {"sub": "agent-1", "email": "agent@example.com", "cognito:groups": "[agent]"}
