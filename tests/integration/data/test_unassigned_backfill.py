"""The UnassignedIndex backfill on moto: tickets written before the index get its keys by Query (never a Scan),
without a new version; a ticket assigned between the read and the write is left out; a second run writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from loket.core import tickets as svc
from loket.core.data import keys, unassigned
from loket.core.data.models import TicketItem
from loket.core.domain.ticket import Actor, Channel
from tests.support.botocore_hooks import before_first, on_dynamodb_call

CUSTOMER = Actor(kind="customer", id="budi@example.com", email="budi@example.com")
AGENT = Actor(kind="agent", id="agent-1", email="agent@example.com", role="agent")


def _old_ticket(subject: str, **changes: Any) -> TicketItem:
    """A ticket as written before the UnassignedIndex existed: its GSI5 keys removed."""
    new = svc.NewTicket(subject=subject, body_text="body", requester_email="budi@example.com", channel=Channel.API)
    ticket = svc.create_ticket(new, CUSTOMER)[0]
    if changes:
        ticket = svc.update_ticket(ticket.ticket_id, int(ticket.version), changes, AGENT)
    TicketItem._get_connection().update_item(
        ticket.pk, range_key=ticket.sk, actions=[TicketItem.gsi5pk.remove(), TicketItem.gsi5sk.remove()]
    )
    return TicketItem.get(ticket.pk, ticket.sk, consistent_read=True)


def _queue(group: str = "support") -> list[str]:
    return [t.subject for t in TicketItem.unassigned_index.query(keys.unassigned_pk(group))]


def test_unassigned_waiting_tickets_get_their_keys_once_and_keep_their_version(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = _old_ticket("Printer jammed")
    pending = _old_ticket("Waiting for the customer", status="pending")
    _old_ticket("Done already", status="resolved")
    _old_ticket("Budi has it", assignee="agent-1")
    assert _queue() == []
    calls: list[str] = []

    with on_dynamodb_call(monkeypatch, lambda model, **_: calls.append(model.name)):
        filled = unassigned.backfill()

    assert (filled.written, filled.present) == (2, 0)
    assert sorted(_queue()) == ["Printer jammed", "Waiting for the customer"]
    for before in (new, pending):
        after = TicketItem.get(before.pk, before.sk, consistent_read=True)
        assert after.version == before.version
        assert after.attribute_values == {**before.attribute_values, "gsi5pk": after.gsi5pk, "gsi5sk": after.gsi5sk}
    assert "Scan" not in calls and "Query" in calls
    again = unassigned.backfill()
    assert (again.written, again.present) == (0, 2)


def test_a_ticket_assigned_between_the_read_and_the_write_stays_out(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    ticket = _old_ticket("Printer jammed")

    def assign() -> None:
        svc.update_ticket(ticket.ticket_id, int(ticket.version), {"assignee": "agent-1"}, AGENT)

    with before_first(monkeypatch, "UpdateItem", assign):
        filled = unassigned.backfill()

    assert filled.written == 0
    assert _queue() == []
    assert TicketItem.get(ticket.pk, ticket.sk, consistent_read=True).gsi5pk is None
