"""GET /v1/agents: the agent directory (AGENT_DIRECTORY) for the console's names and assignee choices."""

from __future__ import annotations

import json

import pytest

from loket.platform.aws import reset as reset_platform
from tests.integration.agent_api.conftest import ADMIN, AGENT, Api

DIRECTORY = {
    "sub-zed": "zed@example.com",
    "sub-ani": "Ani@example.com",
    "sub-budi": "budi@example.com",
}


@pytest.fixture
def directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_DIRECTORY", json.dumps(DIRECTORY))
    reset_platform()


def test_list_agents_with_directory_gives_ids_and_emails_sorted_by_email(api: Api, directory: None) -> None:
    reply = api("list_agents")
    assert reply.status == 200
    assert reply.body == {
        "items": [
            {"id": "sub-ani", "email": "Ani@example.com"},
            {"id": "sub-budi", "email": "budi@example.com"},
            {"id": "sub-zed", "email": "zed@example.com"},
        ]
    }


def test_list_agents_is_open_to_agents_and_admins_alike(api: Api, directory: None) -> None:
    as_agent = api("list_agents", claims=AGENT)
    as_admin = api("list_agents", claims=ADMIN)
    assert as_agent.status == as_admin.status == 200
    assert as_agent.body == as_admin.body


def test_list_agents_without_directory_is_an_empty_list(api: Api) -> None:
    reply = api("list_agents")
    assert reply.status == 200
    assert reply.body == {"items": []}


def test_list_agents_without_token_is_401(api: Api, directory: None) -> None:
    reply = api("list_agents", claims=None)
    assert reply.status == 401
    assert reply.body["error"]["code"] == "unauthorized"


def test_list_agents_with_a_token_of_no_agent_group_is_403(api: Api, directory: None) -> None:
    reply = api("list_agents", claims={"sub": "someone", "email": "someone@example.com"})
    assert reply.status == 403
