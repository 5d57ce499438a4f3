"""GET /v1/agents: the directory's agents (loket.core.directory) for the console's names and assignee choices."""

from __future__ import annotations

from typing import Any

import pytest

from loket.core import directory
from loket.core.domain.directory import Agent, Availability, Group
from tests.integration.agent_api.conftest import ADMIN, AGENT, Api, DynamoCalls


@pytest.fixture
def api(dynamo_calls: DynamoCalls, lambda_context: Any) -> Api:
    """The agent API with an empty directory: these tests fill it."""
    return Api(lambda_context)


@pytest.fixture
def agents(api: Api) -> None:
    directory.save_group(Group("billing"))
    directory.save_agent(Agent("sub-zed", "zed@example.com", "Zed"))
    directory.save_agent(
        Agent("sub-ani", "Ani@example.com", "Ani", "lead", ("billing",), Availability.AVAILABLE, capacity=5)
    )
    directory.save_agent(Agent("sub-budi", "budi@example.com", availability=Availability.AWAY))


def test_list_agents_gives_the_directory_sorted_by_email(api: Api, agents: None) -> None:
    reply = api("list_agents")
    assert reply.status == 200
    assert reply.body == {
        "items": [
            {
                "id": "sub-ani",
                "email": "ani@example.com",
                "name": "Ani",
                "role": "lead",
                "groups": ["billing"],
                "availability": "available",
                "capacity": 5,
            },
            {
                "id": "sub-budi",
                "email": "budi@example.com",
                "name": "",
                "role": "agent",
                "groups": [],
                "availability": "away",
                "capacity": 20,
            },
            {
                "id": "sub-zed",
                "email": "zed@example.com",
                "name": "Zed",
                "role": "agent",
                "groups": [],
                "availability": "offline",
                "capacity": 20,
            },
        ]
    }


def test_list_agents_is_open_to_agents_and_admins_alike(api: Api, agents: None) -> None:
    as_agent = api("list_agents", claims=AGENT)
    as_admin = api("list_agents", claims=ADMIN)
    assert as_agent.status == as_admin.status == 200
    assert as_agent.body == as_admin.body


def test_list_agents_of_an_empty_directory_is_an_empty_list(api: Api) -> None:
    reply = api("list_agents")
    assert reply.status == 200
    assert reply.body == {"items": []}


def test_list_agents_without_token_is_401(api: Api, agents: None) -> None:
    reply = api("list_agents", claims=None)
    assert reply.status == 401
    assert reply.body["error"]["code"] == "unauthorized"


def test_list_agents_with_a_token_of_no_agent_group_is_403(api: Api, agents: None) -> None:
    reply = api("list_agents", claims={"sub": "someone", "email": "someone@example.com"})
    assert reply.status == 403
