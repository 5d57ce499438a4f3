"""SLA policies: first match by conditions, targets per priority and metric, the JSON form, and the validation
messages. Pure: no AWS."""

from __future__ import annotations

from typing import Any

import pytest

from loket.core.domain.errors import Unprocessable
from loket.core.domain.ticket import Priority
from loket.features.sla.policy import Metric, Policy, Target, TicketFacts, TimeBasis, pick, validate_order


def policy_dict(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "standard",
        "targets": {"high": {"first_response": 60, "resolution": {"minutes": 480, "basis": "calendar"}}},
    }
    return base | changes


VIP = Policy.from_dict(
    policy_dict(
        name="vip",
        conditions={"groups": ["billing"], "requester_domains": ["@Acme.co.id"], "tags": ["VIP"]},
        targets={"urgent": {"first_response": 15}, "high": {"first_response": 30}},
    )
)
CHAT = Policy.from_dict(policy_dict(name="chat", conditions={"channels": ["chat", "whatsapp"]}))
TASKS = Policy.from_dict(policy_dict(name="tasks", conditions={"types": ["task"]}))
DEFAULT = Policy.from_dict(policy_dict(name="default", pause_on_hold=True, warn_at=0.5, calendar="jakarta"))
ORDER = [VIP, CHAT, TASKS, DEFAULT]


@pytest.mark.parametrize(
    ("ticket", "expected"),
    [
        (TicketFacts(group="billing", requester_email="rina@acme.co.id", tags=frozenset({"vip"})), "vip"),
        (TicketFacts(group="billing", requester_email="RINA@ACME.CO.ID", tags=frozenset({"vip", "x"})), "vip"),
        (TicketFacts(group="billing", requester_email="rina@other.id", tags=frozenset({"vip"})), "default"),
        (TicketFacts(group="support", requester_email="rina@acme.co.id", tags=frozenset({"vip"})), "default"),
        (TicketFacts(group="billing", requester_email="rina@acme.co.id"), "default"),  # no tag
        (
            TicketFacts(group="billing", requester_email="rina@acme.co.id", tags=frozenset({"vip"}), channel="chat"),
            "vip",
        ),
        (TicketFacts(channel="whatsapp"), "chat"),
        (TicketFacts(channel="email", type="task"), "tasks"),
        (TicketFacts(channel="email", type="question"), "default"),
        (TicketFacts(), "default"),
    ],
)
def test_the_first_policy_whose_conditions_all_hold_is_picked(ticket: TicketFacts, expected: str) -> None:
    chosen = pick(ORDER, ticket)
    assert chosen is not None and chosen.name == expected


def test_no_policy_matches_gives_none() -> None:
    assert pick([VIP, CHAT], TicketFacts(channel="email")) is None


def test_targets_per_priority_and_metric() -> None:
    assert VIP.target(Priority.URGENT, Metric.FIRST_RESPONSE) == Target(15)
    assert VIP.target(Priority.URGENT, Metric.RESOLUTION) is None
    assert VIP.target(Priority.LOW, Metric.FIRST_RESPONSE) is None
    assert DEFAULT.target(Priority.HIGH, Metric.RESOLUTION) == Target(480, TimeBasis.CALENDAR)
    assert (DEFAULT.warn_at, DEFAULT.pause_on_hold, DEFAULT.calendar) == (0.5, True, "jakarta")
    assert (VIP.warn_at, VIP.pause_on_hold, VIP.calendar) == (0.75, False, "default")


def test_a_policy_survives_its_json_form() -> None:
    again = Policy.from_dict(VIP.to_dict())
    assert again.to_dict() == VIP.to_dict()
    assert VIP.to_dict()["targets"]["urgent"] == {"first_response": {"minutes": 15, "basis": "business"}}
    assert VIP.to_dict()["conditions"]["requester_domains"] == ["acme.co.id"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"targets": {"high": {"first_response": 0}}}, "high first_response: a target must be a positive number"),
        ({"targets": {"low": {"resolution": -30}}}, "low resolution: a target must be a positive number of minutes"),
        ({"targets": {"low": {"resolution": {"minutes": 1.5}}}}, "a target must be a positive number of minutes"),
        ({"targets": {"low": {"resolution": True}}}, "a target must be a positive number of minutes"),
        ({"targets": {"low": {"resolution": 10**7}}}, "a target is at most 527040 minutes"),
        ({"targets": {"critical": {"resolution": 60}}}, "unknown priority 'critical'; use low, normal, high, urgent"),
        ({"targets": {"low": {"answer": 60}}}, "unknown metric 'answer'"),
        ({"targets": {"low": {"resolution": {"minutes": 60, "basis": "lunar"}}}}, "basis 'lunar' must be business"),
        ({"targets": {"low": {"resolution": {"minutes": 60, "per": "day"}}}}, "unknown field(s) per"),
        ({"targets": {}}, "give at least one target"),
        ({"targets": {"low": {}}}, "give at least one target"),
        ({"targets": []}, "targets is an object"),
        ({"warn_at": 0}, "warn_at 0 must be a fraction between 0 and 1"),
        ({"warn_at": 1}, "warn_at 1 must be a fraction between 0 and 1"),
        ({"warn_at": 1.5}, "warn_at 1.5 must be a fraction"),
        ({"warn_at": "0.75"}, "warn_at '0.75' must be a fraction"),
        ({"pause_on_hold": "yes"}, "pause_on_hold is true or false"),
        ({"name": ""}, "policy name: 1-100 letters"),
        ({"calendar": ""}, "calendar must name a calendar"),
        ({"conditions": {"channels": ["fax"]}}, "unknown channel(s) fax"),
        ({"conditions": {"groups": "billing"}}, "conditions.groups: a list of non-empty names"),
        ({"conditions": {"queue": ["x"]}}, "conditions: unknown field(s) queue"),
        ({"priority": "high"}, "policy: unknown field(s) priority"),
    ],
)
def test_a_bad_policy_is_refused_with_the_reason(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(Unprocessable) as refused:
        Policy.from_dict(policy_dict(**changes))
    assert message in str(refused.value)


def test_policy_names_are_unique_in_the_order() -> None:
    validate_order(ORDER)
    with pytest.raises(Unprocessable, match="two policies are called vip"):
        validate_order([VIP, CHAT, VIP])
