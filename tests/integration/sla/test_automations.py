"""Time-based automations on moto with a pinned clock: a resolved ticket closes after 4 days, a customer reply in
between cancels it (even before the SLA consumer has heard of the reply), a pending ticket gets a reminder after 3
days and resolves 4 days later, overlapping sweeps act once, and the sweep's reads grow with what is due only."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest

from loket.core import tickets as svc
from loket.core.data import tickets as repo
from loket.core.data.models import TicketItem
from loket.core.domain.clock import iso, parse_iso
from loket.core.domain.ticket import EntryKind
from loket.features.sla import sweep
from tests.integration.sla.conftest import AGENT, CUSTOMER, Clocks, outbox, state
from tests.integration.sla.test_sweep_reads import ItemsRead, _store_open_tickets
from tests.support.botocore_hooks import before_first, on_dynamodb_response

DAY = dt.timedelta(days=1)


def _set_status(ticket_id: str, status: str) -> TicketItem:
    return svc.update_ticket(ticket_id, int(repo.get_ticket(ticket_id).version), {"status": status}, AGENT)


def _resolved(clocks: Clocks, days: int = 0) -> tuple[TicketItem, dt.datetime]:
    """A ticket opened `days` after START, answered and resolved an hour later, the SLA consumer caught up."""
    clocks.at(days=days)
    ticket = clocks.open()
    clocks.deliver(ticket.ticket_id)
    resolved_at = clocks.at(days=days, hours=1)
    svc.add_entry(ticket.ticket_id, svc.NewEntry(EntryKind.PUBLIC_REPLY, AGENT, "Sudah diperbaiki"))
    _set_status(ticket.ticket_id, "resolved")
    clocks.deliver(ticket.ticket_id)
    return ticket, resolved_at


def _automation_audit(ticket_id: str) -> list[dict[str, Any]]:
    return [dict(a.new) for a in repo.list_audit(ticket_id) if a.field == "automation" and a.actor_id == "automation"]


def _status_updates(ticket_id: str) -> list[tuple[str, dict[str, Any]]]:
    return [(e["actor"]["id"], e["changes"]["status"]) for e in outbox(ticket_id)
            if e["type"] == "ticket.updated" and "status" in e["changes"]]  # fmt: skip


def test_a_resolved_ticket_closes_after_four_days_as_the_automation(clocks: Clocks) -> None:
    ticket, resolved_at = _resolved(clocks)
    item = state(ticket.ticket_id)
    assert item.clocks["automation"] == {
        "kind": "close",
        "due_at": iso(resolved_at + 4 * DAY),
        "since": iso(resolved_at),
    }
    assert str(item.sla_sk).startswith(iso(resolved_at + 4 * DAY))  # nothing runs: the close is the next check

    early = clocks.sweep(resolved_at + 4 * DAY - dt.timedelta(minutes=1))
    assert early["due"] == 0 and repo.get_ticket(ticket.ticket_id).status == "resolved"

    clocks.at(days=4, hours=1, minutes=1)
    done = clocks.sweep(resolved_at + 4 * DAY + dt.timedelta(minutes=1))
    assert [a["automation"] for a in done["acted"]] == ["close"]
    closed = repo.get_ticket(ticket.ticket_id)
    assert (closed.status, closed.closed_at) == ("closed", iso(resolved_at + 4 * DAY + dt.timedelta(minutes=1)))
    assert _status_updates(ticket.ticket_id)[-1] == ("automation", {"old": "resolved", "new": "closed"})
    assert [(a["automation"], a["since"], a["after_days"]) for a in _automation_audit(ticket.ticket_id)] == [
        ("close", iso(resolved_at), 4)]  # fmt: skip

    clocks.deliver(ticket.ticket_id)  # the close's own event: closed, nothing left to do
    after = state(ticket.ticket_id)
    assert after.clocks["automation"] is None and after.sla_pk is None
    assert clocks.sweep(resolved_at + 30 * DAY)["due"] == 0


def test_a_customer_reply_in_between_reopens_and_cancels_the_close(clocks: Clocks) -> None:
    ticket, resolved_at = _resolved(clocks)
    clocks.at(days=2)
    svc.add_entry(ticket.ticket_id, svc.NewEntry(EntryKind.CUSTOMER_MESSAGE, CUSTOMER, "Masih tidak bisa"))
    assert repo.get_ticket(ticket.ticket_id).status == "open"

    # the SLA consumer has not heard of the reply yet: the sweep finds the close due, reads the ticket, does nothing
    clocks.at(days=4, hours=1, minutes=1)
    lagging = clocks.sweep(resolved_at + 4 * DAY + dt.timedelta(minutes=1))
    assert lagging["due"] == 1 and lagging["acted"] == []
    assert repo.get_ticket(ticket.ticket_id).status == "open" and _automation_audit(ticket.ticket_id) == []

    clocks.deliver(ticket.ticket_id)  # the reply reaches the timeline: no automation waits on an open ticket
    assert state(ticket.ticket_id).clocks["automation"] is None
    clocks.sweep(resolved_at + 10 * DAY)
    assert repo.get_ticket(ticket.ticket_id).status == "open" and _automation_audit(ticket.ticket_id) == []


def test_a_pending_ticket_is_reminded_after_three_days_and_resolved_four_days_later(clocks: Clocks) -> None:
    ticket = clocks.open()
    clocks.deliver(ticket.ticket_id)
    pending_at = clocks.at(hours=1)
    svc.add_entry(ticket.ticket_id, svc.NewEntry(EntryKind.PUBLIC_REPLY, AGENT, "Mohon kirim tangkapan layar"))
    _set_status(ticket.ticket_id, "pending")
    clocks.deliver(ticket.ticket_id)
    assert state(ticket.ticket_id).clocks["automation"]["kind"] == "remind"

    assert clocks.sweep(pending_at + 3 * DAY - dt.timedelta(minutes=1))["due"] == 0
    reminded_at = clocks.at(days=3, hours=1, minutes=1)
    version = int(repo.get_ticket(ticket.ticket_id).version)
    reminded = clocks.sweep(reminded_at)
    assert [a["automation"] for a in reminded["acted"]] == ["remind"]
    reminders = [e for e in outbox(ticket.ticket_id) if e["type"] == "ticket.reminded"]
    assert [(r["actor"]["id"], r["pending_since"], r["resolves_at"]) for r in reminders] == [
        ("automation", iso(pending_at), iso(reminded_at + 4 * DAY))]  # fmt: skip
    still = repo.get_ticket(ticket.ticket_id)
    assert (still.status, int(still.version)) == ("pending", version)  # a reminder changes nothing on the ticket
    assert state(ticket.ticket_id).clocks["automation"] == {
        "kind": "resolve", "due_at": iso(reminded_at + 4 * DAY), "since": iso(pending_at)}  # fmt: skip
    assert clocks.sweep(reminded_at + dt.timedelta(hours=1))["due"] == 0  # reminded once

    resolve_at = clocks.at(days=7, hours=1, minutes=2)
    resolved = clocks.sweep(resolve_at)
    assert [a["automation"] for a in resolved["acted"]] == ["resolve"]
    assert repo.get_ticket(ticket.ticket_id).status == "resolved"
    assert _status_updates(ticket.ticket_id)[-1] == ("automation", {"old": "pending", "new": "resolved"})
    assert [a["automation"] for a in _automation_audit(ticket.ticket_id)] == ["remind", "resolve"]

    clocks.deliver(ticket.ticket_id)  # resolved by the automation: it closes 4 days later like any other
    close = state(ticket.ticket_id).clocks["automation"]
    assert (close["kind"], parse_iso(close["due_at"])) == ("close", resolve_at + 4 * DAY)


def test_a_customer_reply_after_the_reminder_cancels_the_resolve(clocks: Clocks) -> None:
    ticket = clocks.open()
    clocks.deliver(ticket.ticket_id)
    pending_at = clocks.at(hours=1)
    _set_status(ticket.ticket_id, "pending")
    clocks.deliver(ticket.ticket_id)
    clocks.sweep(clocks.at(days=3, hours=1, minutes=1))
    clocks.at(days=4)
    svc.add_entry(ticket.ticket_id, svc.NewEntry(EntryKind.CUSTOMER_MESSAGE, CUSTOMER, "Ini tangkapan layarnya"))
    pending_again = clocks.at(days=4, minutes=5)
    _set_status(ticket.ticket_id, "pending")  # the agent asks again before the consumer catches up

    clocks.sweep(clocks.at(days=7, hours=1, minutes=2))
    assert repo.get_ticket(ticket.ticket_id).status == "pending"  # a new pending period: not resolved
    assert [a["automation"] for a in _automation_audit(ticket.ticket_id)] == ["remind"]
    clocks.deliver(ticket.ticket_id)
    plan = state(ticket.ticket_id).clocks["automation"]
    assert plan["kind"] == "remind" and parse_iso(plan["since"]) == pending_again != pending_at


@pytest.mark.parametrize("kind", ["close", "remind"])
def test_two_overlapping_sweeps_perform_an_automation_once(
    clocks: Clocks, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    if kind == "close":
        ticket, _ = _resolved(clocks)
        at = clocks.at(days=4, hours=1, minutes=1)
    else:
        ticket = clocks.open()
        clocks.deliver(ticket.ticket_id)
        clocks.at(hours=1)
        _set_status(ticket.ticket_id, "pending")
        clocks.deliver(ticket.ticket_id)
        at = clocks.at(days=3, hours=1, minutes=1)

    with before_first(monkeypatch, "TransactWriteItems", lambda: sweep.run(at)) as competitor:
        mine = sweep.run(at)

    assert [a["automation"] for a in competitor[0].acted] == [kind] and mine.acted == []
    assert [a["automation"] for a in _automation_audit(ticket.ticket_id)] == [kind]
    assert [e["type"] for e in outbox(ticket.ticket_id)].count("ticket.reminded") == (kind == "remind")
    assert [u[0] for u in _status_updates(ticket.ticket_id)].count("automation") == (kind == "close")


def test_the_sweep_reads_only_the_automations_due_among_100_and_2000_stored(
    clocks: Clocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = ItemsRead()
    counts = []
    with on_dynamodb_response(monkeypatch, read.record):
        for days, stored in ((0, 100), (10, 1900)):
            due = {_resolved(clocks, days)[0].ticket_id for _ in range(3)}
            _store_open_tickets(stored)  # open tickets whose next check is a month away
            read.items.clear()
            result = sweep.run(clocks.at(days=days + 4, hours=1, minutes=1))
            counts.append(Counter(read.items))
            assert {a["ticket_id"] for a in result.acted} == due
            assert {a["automation"] for a in result.acted} == {"close"}

    assert counts[0] == counts[1]
    # the due keys (3), then per due ticket the ticket and its SLA item twice (clocks, then the automation; a close
    # checks the ticket's resolved_at, no audit Query)
    assert counts[0] == Counter({"Query": 3, "GetItem": 12})
