"""The events the use cases write are the typed contract: drive every change through the use cases on moto and
validate every outbox item written (each type at least once), with the actor, the version and the values."""

from __future__ import annotations

from typing import Any

import pytest

from loket.core import directory, events
from loket.core import tickets as svc
from loket.core.data import keys
from loket.core.data import tickets as repo
from loket.core.data.models import OutboxItem
from loket.core.domain.directory import Agent, Availability, Group
from loket.core.domain.errors import StaleVersion
from loket.core.domain.ticket import Actor, Channel, EntryKind
from loket.core.events import EventType

CUSTOMER = Actor(kind="customer", id="ani@customer.example", email="ani@customer.example")
AGENT = Actor(kind="agent", id="agent-budi", email="budi@loket.example")
ADMIN = Actor(kind="agent", id="agent-admin", email="admin@loket.example", role="admin")


def _outbox(ticket_id: str) -> list[Any]:
    """Every event written for a ticket, oldest first, validated against the contract."""
    items = OutboxItem.query(keys.ticket_pk(ticket_id), OutboxItem.sk.startswith("EVENT#"), consistent_read=True)
    out = []
    for item in items:
        event = events.parse(item.payload)
        assert (item.event_id, item.event_type, item.ticket_id, item.at) == (
            event.event_id, event.type, event.ticket_id, event.at,
        )  # fmt: skip
        out.append(event)
    return out


def _new(subject: str, **values: Any) -> svc.NewTicket:
    return svc.NewTicket(subject=subject, body_text="Tolong.", requester_email="ani@customer.example",
                         channel=Channel.WEB, **values)  # fmt: skip


def test_every_change_writes_one_typed_event_that_validates(aws: None) -> None:
    ticket, _ = svc.create_ticket(_new("Tagihan"), CUSTOMER)
    svc.add_entry(ticket.ticket_id, svc.NewEntry(EntryKind.PUBLIC_REPLY, AGENT, "Sudah kami cek."))
    svc.add_entry(ticket.ticket_id, svc.NewEntry(EntryKind.CUSTOMER_MESSAGE, CUSTOMER, "Terima kasih."))
    svc.add_entry(ticket.ticket_id, svc.NewEntry(EntryKind.INTERNAL_NOTE, AGENT, "Cek lagi besok."))
    version = int(repo.get_ticket(ticket.ticket_id).version)
    svc.update_ticket(ticket.ticket_id, version, {"assignee": "agent-sari", "priority": "high"}, AGENT)
    held, _ = svc.create_ticket(_new("Spam?", quarantine_reason="spam verdict FAIL"), CUSTOMER)
    svc.release(held.ticket_id, AGENT)
    svc.merge(held.ticket_id, ticket.ticket_id, ADMIN)

    written = _outbox(ticket.ticket_id)
    merged = _outbox(held.ticket_id)

    written[4:] = sorted(written[4:], key=lambda e: e.type != EventType.TICKET_UPDATED)  # one change: the same time
    assert [e.type for e in written] == [
        EventType.TICKET_CREATED, EventType.MESSAGE_ADDED, EventType.MESSAGE_ADDED, EventType.NOTE_ADDED,
        EventType.TICKET_UPDATED, EventType.TICKET_ASSIGNED,
    ]  # fmt: skip
    assert [e.type for e in merged] == [EventType.TICKET_CREATED, EventType.TICKET_RELEASED, EventType.TICKET_MERGED]
    # every ticket event the ticket's own changes write; agent.changed: below; the SLA feature writes sla.* and
    # ticket.reminded (tests/integration/sla)
    sla = {EventType.SLA_WARNED, EventType.SLA_BREACHED, EventType.SLA_FULFILLED, EventType.TICKET_REMINDED}
    assert {e.type for e in [*written, *merged]} == events.TICKET_EVENTS - sla
    created, reply, message, note, updated, assigned = written
    assert created.actor.id == CUSTOMER.id and created.channel == "web" and created.ticket_number == ticket.number
    assert (reply.kind, reply.actor.kind, message.kind, note.kind) == (
        "public_reply", "agent", "customer_message", "internal_note",
    )  # fmt: skip
    assert updated.changes["assignee"].model_dump() == {"old": None, "new": "agent-sari"}
    assert updated.changes["priority"].model_dump() == {"old": "normal", "new": "high"}
    assert set(updated.changes) == {"assignee", "priority"}  # the reply opened it already
    assert (assigned.old_assignee, assigned.assignee, assigned.actor.id) == (None, "agent-sari", AGENT.id)
    # each event carries the version the ticket has after the change it records
    assert [e.ticket_version for e in written] == [1, 2, 3, 4, 5, 5]
    assert merged[-1].ticket_version == int(repo.get_ticket(held.ticket_id).version)
    assert (merged[-1].into_ticket_id, merged[-1].into_ticket_number) == (ticket.ticket_id, ticket.number)
    assert merged[-1].actor.id == ADMIN.id
    assert written[-1].ticket_version == int(repo.get_ticket(ticket.ticket_id).version) - 1  # the merge saved it since


def test_a_customer_message_on_a_closed_ticket_writes_the_follow_up_s_creation(aws: None) -> None:
    ticket, _ = svc.create_ticket(_new("Lama"), CUSTOMER)
    for status in ("resolved", "closed"):
        svc.update_ticket(ticket.ticket_id, int(repo.get_ticket(ticket.ticket_id).version), {"status": status}, AGENT)

    result = svc.add_entry(ticket.ticket_id, svc.NewEntry(EntryKind.CUSTOMER_MESSAGE, CUSTOMER, "Lagi."))

    [created] = _outbox(result.ticket.ticket_id)
    assert created.type == EventType.TICKET_CREATED and created.follow_up_of == ticket.ticket_id


def _directory_events() -> list[Any]:
    items = OutboxItem.query(keys.DIRECTORY_PK, OutboxItem.sk.startswith("EVENT#"), consistent_read=True)
    return [events.parse(item.payload) for item in items if item.item_type == "event"]


def test_directory_changes_that_routing_cares_about_write_agent_changed_in_their_transaction(aws: None) -> None:
    directory.save_group(Group("billing"))
    directory.save_group(Group("technical"))
    sari = directory.save_agent(Agent("agent-sari", "sari@loket.example", groups=("billing",), capacity=5), actor=ADMIN)
    directory.change_availability("agent-sari", Availability.AVAILABLE, actor=AGENT)
    current = directory.agent("agent-sari")
    assert current is not None
    directory.save_agent(Agent("agent-sari", "sari@loket.example", name="Sari", groups=("billing",),
                               availability=Availability.AVAILABLE, capacity=5), current.version)  # fmt: skip
    renamed = directory.agent("agent-sari")
    assert renamed is not None and renamed.name == "Sari"  # a name alone: no event
    more = Agent("agent-sari", "sari@loket.example", groups=("billing", "technical"),
                 availability=Availability.AVAILABLE, capacity=8)  # fmt: skip
    directory.save_agent(more, renamed.version)
    with pytest.raises(StaleVersion):
        directory.save_agent(more, renamed.version)  # the version moved on: neither the agent nor an event

    created, available, grown = _directory_events()

    assert sari.version == 1
    assert (created.agent_id, created.old_availability, created.availability, created.actor.id) == (
        "agent-sari", None, "offline", ADMIN.id,
    )  # fmt: skip
    assert (created.old_capacity, created.capacity, created.old_groups, created.groups) == (None, 5, None, ["billing"])
    assert (available.old_availability, available.availability, available.actor.id) == (
        "offline",
        "available",
        AGENT.id,
    )
    assert (grown.old_capacity, grown.capacity) == (5, 8)
    assert (grown.old_groups, grown.groups) == (["billing"], ["billing", "technical"])
