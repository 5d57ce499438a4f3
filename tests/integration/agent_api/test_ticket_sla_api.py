"""GET /v1/tickets/{ticket} carries the ticket's running SLA clocks, read from its SLA item as the SLA consumer and
the sweep wrote it (the real tracker, clock pinned)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from loket.core.domain.clock import iso
from loket.features.sla import sweep, tracker
from tests.integration.agent_api.conftest import Api
from tests.support import moto_transactions

START = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def pinned(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    moto_transactions.install(monkeypatch)
    with time_machine.travel(START, tick=False):
        yield api


def _clocks(reply: Any) -> dict[str, dict[str, Any]]:
    return {c["metric"]: c for c in reply.body["sla"]["clocks"]}


def test_a_ticket_the_sla_consumer_has_not_seen_has_no_sla(pinned: Api) -> None:
    created = pinned.create(priority="high")
    assert created["sla"] is None  # only the read carries it
    assert pinned("get_ticket", ticket=created["id"]).body["sla"] is None


def test_the_running_clocks_with_due_and_warn_instants_then_warned_then_breached(pinned: Api) -> None:
    created = pinned.create(priority="high")
    tracker.sync(created["id"], tracker.Rules.load(), START)  # the SLA consumer saw the ticket

    reply = pinned("get_ticket", ticket=created["id"])
    first = _clocks(reply)["first_response"]
    assert (first["state"], first["due_at"], first["warn_at"], first["target_minutes"]) == (
        "running", iso(START + dt.timedelta(hours=1)), iso(START + dt.timedelta(minutes=45)), 60)  # fmt: skip
    assert (first["paused"], first["warned"], first["breached"]) == (False, False, False)
    assert reply.body["sla"]["next_check"] == iso(START + dt.timedelta(minutes=45))
    assert set(_clocks(reply)) == {"first_response", "resolution"}

    sweep.run(START + dt.timedelta(minutes=45))
    warned = _clocks(pinned("get_ticket", ticket=created["id"]))["first_response"]
    assert (warned["state"], warned["warned"], warned["breached"]) == ("running", True, False)

    sweep.run(START + dt.timedelta(minutes=61))
    breached = pinned("get_ticket", ticket=created["id"])
    clock = _clocks(breached)["first_response"]
    assert (clock["state"], clock["warned"], clock["breached"]) == ("breached", True, True)
    assert clock["breached_at"] == iso(START + dt.timedelta(hours=1))
    assert breached.body["priority"] == "urgent"


def test_a_fulfilled_clock_leaves_and_a_pending_ticket_shows_its_resolution_clock_paused(pinned: Api) -> None:
    created = pinned.create(priority="high")
    tracker.sync(created["id"], tracker.Rules.load(), START)
    from loket.core import tickets as svc
    from loket.core.data import tickets as repo
    from loket.core.domain.ticket import Actor, EntryKind

    agent = Actor(kind="agent", id="agent-1", email="agent@example.com", role="agent")
    svc.add_entry(created["id"], svc.NewEntry(EntryKind.PUBLIC_REPLY, agent, "Sudah dicek"))
    svc.update_ticket(created["id"], int(repo.get_ticket(created["id"]).version), {"status": "pending"}, agent)
    for payload in _events(created["id"]):
        tracker.sync(created["id"], tracker.Rules.load(), START, payload)

    clocks = _clocks(pinned("get_ticket", ticket=created["id"]))
    assert set(clocks) == {"resolution"}
    assert (clocks["resolution"]["state"], clocks["resolution"]["paused"], clocks["resolution"]["due_at"]) == (
        "paused", True, None)  # fmt: skip


def _events(ticket_id: str) -> list[Any]:
    from loket.core import events
    from loket.core.data import keys
    from loket.core.data.models import OutboxItem

    items = OutboxItem.query(keys.ticket_pk(ticket_id), OutboxItem.sk.startswith("EVENT#"), consistent_read=True)
    return [events.parse(dict(i.payload)) for i in items]
