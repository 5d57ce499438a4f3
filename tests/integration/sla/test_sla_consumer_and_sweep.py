"""The SLA consumer and the sweep on moto: facts from ticket events, clocks and due keys, warnings, breaches and one
escalation, idempotent under repeats and overlapping runs; the stored timeline replays to the clocks shown."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from loket.core import tickets as svc
from loket.core.data import keys
from loket.core.data import tickets as repo
from loket.core.domain.clock import iso, parse_iso
from loket.core.domain.ticket import EntryKind
from loket.features.sla import sweep, tracker
from loket.features.sla.clock import evaluate
from tests.integration.sla.conftest import AGENT, START, Clocks, outbox, sla_audit, state
from tests.support.botocore_hooks import before_first


def _sla_events(ticket_id: str) -> list[tuple[str, str]]:
    return [(e["type"], e["metric"]) for e in outbox(ticket_id) if e["type"].startswith("sla.")]


def test_a_new_high_ticket_gets_a_running_first_response_clock_and_a_due_key(clocks: Clocks) -> None:
    ticket = clocks.open()
    assert clocks.deliver(ticket.ticket_id) == 1

    item = state(ticket.ticket_id)
    first = next(c for c in item.clocks["clocks"] if c["metric"] == "first_response")
    assert (first["state"], first["due_at"], first["warn_at"]) == (
        "running", iso(START + dt.timedelta(hours=1)), iso(START + dt.timedelta(minutes=45)))  # fmt: skip
    assert item.sla_pk == keys.sla_due_pk(keys.sla_shard(ticket.ticket_id))
    assert item.sla_sk == f"{iso(START + dt.timedelta(minutes=45))}#{ticket.ticket_id}"  # the next check: the warning
    assert sorted(sla_audit(ticket.ticket_id)) == [("started", "first_response", 0), ("started", "resolution", 0)]


def test_a_repeated_event_adds_no_fact_and_no_audit_entry(clocks: Clocks) -> None:
    ticket = clocks.open()
    clocks.deliver(ticket.ticket_id)
    version, audit = int(state(ticket.ticket_id).version), sla_audit(ticket.ticket_id)

    clocks.at(minutes=5)
    assert clocks.deliver(ticket.ticket_id, again=True) == 1

    assert (int(state(ticket.ticket_id).version), sla_audit(ticket.ticket_id)) == (version, audit)
    assert len(state(ticket.ticket_id).facts) == 1


def test_a_public_reply_fulfils_first_response_and_pending_pauses_resolution(clocks: Clocks) -> None:
    ticket = clocks.open()
    clocks.deliver(ticket.ticket_id)
    clocks.at(minutes=20)
    svc.add_entry(ticket.ticket_id, svc.NewEntry(EntryKind.PUBLIC_REPLY, AGENT, "Sudah dicek, mohon dicoba lagi"))
    svc.update_ticket(ticket.ticket_id, int(repo.get_ticket(ticket.ticket_id).version), {"status": "pending"}, AGENT)
    clocks.deliver(ticket.ticket_id)

    item = state(ticket.ticket_id)
    by_metric = {c["metric"]: c for c in item.clocks["clocks"]}
    assert by_metric["first_response"]["state"] == "fulfilled"
    assert by_metric["resolution"]["state"] == "paused"
    # nothing runs: only the pending ticket's reminder (3 days on) keeps it in the due index
    assert item.clocks["automation"]["kind"] == "remind"
    assert str(item.sla_sk).startswith(item.clocks["automation"]["due_at"])
    assert ("sla.fulfilled", "first_response") in _sla_events(ticket.ticket_id)


def test_the_sweep_warns_at_45_then_breaches_at_61_and_escalates_once(clocks: Clocks) -> None:
    ticket = clocks.open()
    clocks.deliver(ticket.ticket_id)

    warned = clocks.sweep(START + dt.timedelta(minutes=45))
    assert (warned["due"], [a["recorded"] for a in warned["acted"]]) == (1, [["first_response:0:warned"]])
    assert _sla_events(ticket.ticket_id) == [("sla.warned", "first_response")]
    assert clocks.sweep(START + dt.timedelta(minutes=46))["due"] == 0  # next check: the breach at 60

    breached = clocks.sweep(START + dt.timedelta(minutes=61))
    assert breached["acted"][0]["escalated_to"] == "urgent"
    assert _sla_events(ticket.ticket_id) == [("sla.warned", "first_response"), ("sla.breached", "first_response")]
    escalated = repo.get_ticket(ticket.ticket_id)
    assert escalated.priority == "urgent"
    updates = [e for e in outbox(ticket.ticket_id) if e["type"] == "ticket.updated"]
    assert [(u["actor"]["id"], u["changes"]["priority"]) for u in updates] == [
        ("sla", {"old": "high", "new": "urgent"})]  # fmt: skip

    # the escalation's own event retargets the clocks; nothing is warned, breached or escalated again
    clocks.at(minutes=62)
    clocks.deliver(ticket.ticket_id)
    clocks.sweep(START + dt.timedelta(minutes=300))
    kinds = [e for e in _sla_events(ticket.ticket_id) if e[1] == "first_response"]
    assert kinds == [("sla.warned", "first_response"), ("sla.breached", "first_response")]
    assert repo.get_ticket(ticket.ticket_id).priority == "urgent"
    assert state(ticket.ticket_id).escalated == ["first_response", "resolution"]


def test_two_overlapping_sweeps_act_once(clocks: Clocks, monkeypatch: pytest.MonkeyPatch) -> None:
    ticket = clocks.open()
    clocks.deliver(ticket.ticket_id)
    at = START + dt.timedelta(minutes=61)

    with before_first(monkeypatch, "TransactWriteItems", lambda: sweep.run(at)) as competitor:
        mine = sweep.run(at)

    assert len(competitor[0].acted) == 1 and mine.acted == []  # the other run won; this one found it recorded
    assert _sla_events(ticket.ticket_id) == [("sla.warned", "first_response"), ("sla.breached", "first_response")]
    assert [e["type"] for e in outbox(ticket.ticket_id)].count("ticket.updated") == 1


def test_the_timeline_replays_to_the_deadlines_the_ticket_shows(clocks: Clocks) -> None:
    ticket = clocks.open()
    clocks.deliver(ticket.ticket_id)
    clocks.at(minutes=10)
    svc.update_ticket(ticket.ticket_id, 1, {"status": "on_hold"}, AGENT)
    clocks.at(minutes=25)
    svc.update_ticket(ticket.ticket_id, 2, {"status": "open", "priority": "urgent"}, AGENT)
    clocks.deliver(ticket.ticket_id)

    item = state(ticket.ticket_id)
    shown: dict[str, Any] = item.clocks
    replayed = evaluate(tracker.timeline(item), *_rules(), parse_iso(shown["evaluated_at"]))
    assert [c.to_dict() for c in replayed.clocks] == shown["clocks"]
    assert shown["priority"] == "urgent"
    first = next(c for c in shown["clocks"] if c["metric"] == "first_response")
    assert first["due_at"] == iso(START + dt.timedelta(minutes=30))  # urgent: 30 minutes from the start


def _rules() -> tuple[Any, Any]:
    rules = tracker.Rules.load()
    return rules.policies, rules.calendars


def test_a_ticket_s_sla_time_never_goes_back_an_event_read_after_a_later_sweep_keeps_the_breach(
    clocks: Clocks,
) -> None:
    """A sweep run as of a later time (the local stack's `?at=`, or a consumer that lags behind the sweep) has
    recorded a breach; the consumer then handles the escalation's event with its own, earlier clock."""
    ticket = clocks.open()
    clocks.deliver(ticket.ticket_id)
    clocks.sweep(START + dt.timedelta(minutes=61))

    assert clocks.deliver(ticket.ticket_id) == 1  # the escalation's ticket.updated, at START by the consumer's clock
    item = state(ticket.ticket_id)
    first = next(c for c in item.clocks["clocks"] if c["metric"] == "first_response")
    assert first["state"] == "breached"
    assert parse_iso(item.clocks["evaluated_at"]) == START + dt.timedelta(minutes=61)
