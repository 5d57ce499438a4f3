"""The one-off migration of the former AgentDirectory parameter into directory agents, on moto."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from loket.channels.agent_api.import_agents import main
from loket.core import directory
from loket.core.domain.directory import Agent
from loket.platform.aws import reset as reset_platform


@pytest.fixture
def pool(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """A pool with one lead, whose subject the old parameter names; answers (pool id, the lead's sub)."""
    cognito = boto3.client("cognito-idp")
    pool_id = cognito.create_user_pool(PoolName="agents", UsernameAttributes=["email"])["UserPool"]["Id"]
    for role in ("admin", "lead", "agent"):
        cognito.create_group(GroupName=role, UserPoolId=pool_id)
    user = cognito.admin_create_user(
        UserPoolId=pool_id,
        Username="lead@example.com",
        UserAttributes=[{"Name": "email", "Value": "lead@example.com"}, {"Name": "name", "Value": "Lena"}],
    )["User"]
    cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=user["Username"], GroupName="lead")
    sub = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
    monkeypatch.setenv("USER_POOL_ID", pool_id)
    reset_platform()
    yield pool_id, sub
    reset_platform()


def test_the_old_parameter_becomes_directory_agents_with_roles_from_the_pool(
    pool: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _pool_id, lead_sub = pool
    directory.save_agent(Agent("sub-kept", "kept@example.com", "Kept", capacity=3))
    old = f'{{"{lead_sub}": "Lead@Example.com", "sub-budi": "budi@example.com", "sub-kept": "other@example.com"}}'

    assert main([old]) == 0

    lead = directory.agent(lead_sub)
    assert lead is not None and (lead.email, lead.name, lead.role) == ("lead@example.com", "Lena", "lead")
    budi = directory.agent("sub-budi")
    assert budi is not None and (budi.email, budi.role, budi.availability.value) == (
        "budi@example.com",
        "agent",
        "offline",
    )
    kept = directory.agent("sub-kept")
    assert kept is not None and (kept.email, kept.capacity, kept.version) == ("kept@example.com", 3, 1)
    out = capsys.readouterr().out
    assert "sub-kept: already in the directory" in out and "sub-budi: added as agent" in out

    assert main([old]) == 0  # a second run changes nothing
    assert [a.version for a in directory.agents()] == [1, 1, 1]


@pytest.mark.parametrize("given", [[], ["not json"], ['["sub-1"]'], ['{"sub-1": 3}']])
def test_anything_but_the_old_json_object_is_refused(aws: None, given: list[str]) -> None:
    assert main(given) == 2
    assert directory.agents() == []
