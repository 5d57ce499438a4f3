"""The load backfill on moto: tickets assigned before the router existed get their load markers and their agents'
counters by Query (never a Scan), once however often it runs; then an agent at capacity gets no new ticket."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from loket.core import directory, events
from loket.core import tickets as svc
from loket.core.data import tickets as repo
from loket.core.domain.directory import Agent, AssignmentMode, Availability, Group
from loket.core.domain.ticket import Actor, Channel
from loket.features.routing import assignment, loads
from tests.support.botocore_hooks import on_dynamodb_call

CUSTOMER = Actor(kind="customer", id="ani@customer.example", email="ani@customer.example")
LEAD = Actor(kind="agent", id="agent-lead", email="lead@loket.example", role="lead")


@pytest.fixture(autouse=True)
def team(aws: None) -> None:
    directory.save_group(Group("billing", assignment_mode=AssignmentMode.ROUND_ROBIN))
    for agent_id in ("agent-a", "agent-b"):
        directory.save_agent(
            Agent(
                agent_id,
                f"{agent_id}@loket.example",
                groups=("billing",),
                availability=Availability.AVAILABLE,
                capacity=2,
            )
        )


def _assigned(agent_id: str, **changes: Any) -> str:
    """A ticket a person assigned before the router existed (no router runs here: no marker, no counter)."""
    new = svc.NewTicket(
        subject="Tagihan",
        body_text="dobel",
        requester_email="ani@customer.example",
        channel=Channel.EMAIL,
        group="billing",
    )
    ticket = svc.create_ticket(new, CUSTOMER)[0]
    ticket = svc.update_ticket(ticket.ticket_id, int(ticket.version), {"assignee": agent_id, **changes}, LEAD)
    return str(ticket.ticket_id)


def test_old_assignments_count_once_and_an_agent_at_capacity_gets_no_new_ticket(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counted = [_assigned("agent-a"), _assigned("agent-a", status="open"), _assigned("agent-b")]
    _assigned("agent-b", status="pending")  # waits on the customer: not part of the load
    assert assignment.loads(["agent-a", "agent-b"]) == {}
    calls: list[str] = []

    with on_dynamodb_call(monkeypatch, lambda model, **_: calls.append(model.name)):
        done = loads.backfill()

    assert (done.read, done.counted) == (3, 3)
    assert assignment.loads(["agent-a", "agent-b"]) == {"agent-a": 2, "agent-b": 1}
    assert {assignment.marker_of(t).agent for t in counted} == {"agent-a", "agent-b"}  # type: ignore[union-attr]
    assert "Scan" not in calls and "Query" in calls
    again = loads.backfill()
    assert (again.read, again.counted) == (3, 0)
    assert assignment.loads(["agent-a", "agent-b"]) == {"agent-a": 2, "agent-b": 1}

    new = svc.create_ticket(
        svc.NewTicket(
            subject="Refund",
            body_text="please",
            requester_email="ani@customer.example",
            channel=Channel.EMAIL,
            group="billing",
        ),
        CUSTOMER,
    )[0]
    result = assignment.assign(new.ticket_id)
    assert (result.outcome, result.agent) == (assignment.Outcome.ASSIGNED, "agent-b")  # agent-a is at capacity


def test_capacity_lowered_below_the_load_reassigns_nothing_and_stops_new_tickets() -> None:
    mine = [_assigned("agent-a"), _assigned("agent-a")]
    loads.backfill()
    agent_b = directory.agent("agent-b")
    assert agent_b is not None
    directory.save_agent(replace(agent_b, availability=Availability.AWAY), agent_b.version)
    agent_a = directory.agent("agent-a")
    assert agent_a is not None
    lowered = directory.save_agent(replace(agent_a, capacity=1), agent_a.version, actor=LEAD)

    drained = assignment.on_event(
        events.build(
            events.EventType.AGENT_CHANGED,
            actor=LEAD,
            at="2026-01-05T09:00:00.000000Z",
            agent_id="agent-a",
            old_availability="available",
            availability="available",
            old_capacity=2,
            capacity=lowered.capacity,
            old_groups=["billing"],
            groups=["billing"],
        )
    )
    new = svc.create_ticket(
        svc.NewTicket(
            subject="Refund",
            body_text="please",
            requester_email="ani@customer.example",
            channel=Channel.EMAIL,
            group="billing",
        ),
        CUSTOMER,
    )[0]
    result = assignment.assign(new.ticket_id)

    assert drained["drained"] == []
    assert [repo.get_ticket(t).assignee for t in mine] == ["agent-a", "agent-a"]  # nothing taken away
    assert assignment.loads(["agent-a"]) == {"agent-a": 2}
    assert result.outcome is assignment.Outcome.WAITING  # and nothing new for agent-a while over capacity
    assert repo.get_ticket(new.ticket_id).assignee is None
