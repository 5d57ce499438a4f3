"""The core directory on moto: agents and groups, versions, validation, lookups."""

from __future__ import annotations

import pytest

from loket.core import directory
from loket.core.domain.directory import Agent, AssignmentMode, Availability, Group
from loket.core.domain.errors import AlreadyExists, NotFound, StaleVersion, Unprocessable

pytestmark = pytest.mark.usefixtures("aws")


def _billing() -> Group:
    return directory.save_group(Group("billing", "billing@support.example", AssignmentMode.ROUND_ROBIN))


def test_agents_and_groups_round_trip_sorted() -> None:
    _billing()
    directory.save_group(Group("technical", "Tech@Support.example"))
    directory.save_agent(Agent("sub-2", "zed@example.com", "Zed", groups=("billing",)))
    directory.save_agent(Agent("sub-1", "ana@example.com", "Ana", role="lead", groups=("billing", "technical")))

    assert [a.email for a in directory.agents()] == ["ana@example.com", "zed@example.com"]
    assert [g.name for g in directory.groups()] == ["billing", "technical"]
    ana = directory.agent("sub-1")
    assert ana is not None and ana.role == "lead" and ana.groups == ("billing", "technical") and ana.version == 1
    assert directory.email_of("sub-2") == "zed@example.com"
    assert directory.email_of("nobody") is None
    assert directory.group_by_address("tech@support.EXAMPLE") == directory.group("technical")
    snap = directory.snapshot()
    assert [a.agent_id for a in snap.members_of("technical")] == ["sub-1"]


def test_create_twice_and_stale_versions_are_refused() -> None:
    billing = _billing()
    with pytest.raises(AlreadyExists, match="already exists"):
        directory.save_group(Group("billing"))
    changed = directory.save_group(Group("billing", "b@support.example", AssignmentMode.LEAST_OPEN), billing.version)
    assert changed.version == 2 and changed.assignment_mode is AssignmentMode.LEAST_OPEN
    with pytest.raises(StaleVersion, match="you sent version 1, current is 2"):
        directory.save_group(Group("billing"), 1)
    with pytest.raises(NotFound, match="group nothing does not exist"):
        directory.save_group(Group("nothing"), 1)
    with pytest.raises(StaleVersion):
        directory.remove_group("billing", 1)
    directory.remove_group("billing", 2)
    assert directory.group("billing") is None


@pytest.mark.parametrize(
    ("agent", "problem"),
    [
        (Agent("sub-1", "not-an-address"), "is not an email address"),
        (Agent("sub-1", "a@example.com", capacity=-1), "capacity: -1 is not between 0 and 1000"),
        (Agent("sub-1", "a@example.com", role="owner"), "role: 'owner' is not one of admin, lead, agent"),
        (Agent("sub-1", "a@example.com", groups=("sales",)), "there is no group 'sales'"),
        (Agent(" ", "a@example.com"), "agent_id: must not be empty"),
    ],
)
def test_bad_agents_are_refused_with_the_reason(agent: Agent, problem: str) -> None:
    with pytest.raises(Unprocessable, match=problem):
        directory.save_agent(agent)
    assert directory.agents() == []


def test_bad_groups_are_refused_with_the_reason() -> None:
    with pytest.raises(Unprocessable, match="name: 'Billing Team' must be"):
        directory.save_group(Group("Billing Team"))
    _billing()
    with pytest.raises(AlreadyExists, match="already belongs to group billing"):
        directory.save_group(Group("finance", "BILLING@support.example"))


def test_availability_changes_keep_the_rest() -> None:
    directory.save_agent(Agent("sub-1", "a@example.com", "Ana", capacity=5))
    after = directory.change_availability("sub-1", Availability.AVAILABLE)
    assert (after.availability, after.capacity, after.name, after.version) == (Availability.AVAILABLE, 5, "Ana", 2)
    assert after.can_take_work()
    with pytest.raises(NotFound):
        directory.change_availability("sub-9", Availability.AWAY)
