"""For one release the notifier reads both message shapes: the bus event (new) and the DynamoDB stream record the
Pipe used to send straight to the queue (old), so that messages in flight at deploy time are mailed, not
dead-lettered. Both shapes of one event are the same event: one mail."""

from __future__ import annotations

import json
from typing import Any

from functions.notifier.app import lambda_handler
from loket.core import tickets
from loket.core.data import tickets as repo
from loket.core.domain.ticket import Actor, Channel, EntryKind
from loket.core.tickets import NewEntry, NewTicket
from tests.conftest import load_event
from tests.integration.notifier.conftest import Outbox, bus_entry, notifier_bus, sent_mail, sqs_event

CUSTOMER = Actor(kind="customer", id="ani@customer.example", email="ani@customer.example")
BUDI = Actor(kind="agent", id="agent-budi", email="budi@loket.example")

# what the old outbox items said for the new event types, by the new event's fields
OLD_TYPES = {"ticket.created": "ticket.created", "ticket.released": "ticket.released",
             "message.added": "entry.added", "ticket.assigned": "ticket.updated"}  # fmt: skip


def old_shape(bus_event: dict[str, Any]) -> dict[str, Any]:
    """The stream record the old Pipe would have sent for the same outbox event (the legacy sample, refilled)."""
    detail = bus_event["detail"]
    record: dict[str, Any] = json.loads(
        load_event("notifier/legacy_stream_record_ticket_created.json")["Records"][0]["body"]
    )
    payload: dict[str, Any] = {"ticket_id": detail["ticket_id"]}
    if detail["type"] == "ticket.created":
        payload |= {"channel": detail["channel"], "automatic": detail["automatic"], "entry_id": detail["entry_id"]}
    elif detail["type"] == "message.added":
        payload |= {"entry_id": detail["entry_id"], "kind": detail["kind"], "automatic": detail.get("automatic", False)}
    elif detail["type"] == "ticket.assigned":
        payload |= {"fields": ["assignee", "status"], "assignee_changed": True}
    record["dynamodb"]["NewImage"].update(
        ticket_id={"S": detail["ticket_id"]},
        event_id={"S": detail["event_id"]},
        event_type={"S": OLD_TYPES[detail["type"]]},
        payload={"S": json.dumps(payload)},
        at={"S": detail["at"]},
    )
    return record


def _ticket() -> Any:
    new = NewTicket(subject="Tagihan", body_text="Tagihan saya dobel.", requester_email="ani@customer.example",
                    requester_name="Ani Wijaya", channel=Channel.WEB)  # fmt: skip
    ticket, _ = tickets.create_ticket(new, CUSTOMER)
    tickets.add_entry(ticket.ticket_id, NewEntry(EntryKind.PUBLIC_REPLY, BUDI, "Sudah kami koreksi."))
    tickets.update_ticket(
        ticket.ticket_id, int(repo.get_ticket(ticket.ticket_id).version), {"assignee": "agent-sari"}, BUDI
    )
    return ticket


def test_old_shape_messages_in_flight_are_mailed_like_the_new(mailer: Outbox, lambda_context: Any) -> None:
    _ticket()
    new = mailer.take()
    assert [e["detail-type"] for e in new] == ["ticket.created", "message.added", "ticket.assigned"]

    result = lambda_handler(sqs_event([old_shape(e) for e in new]), lambda_context)

    assert result == {"batchItemFailures": []}
    assert sorted(m["To"] for m in sent_mail()) == [
        "Ani Wijaya <ani@customer.example>",  # the acknowledgement
        "Ani Wijaya <ani@customer.example>",  # the reply
        "sari@loket.example",  # the assignment notice
    ]
    # the same events in the new shape, delivered too (the new Pipe and the old queue overlap): no second mail
    assert lambda_handler(sqs_event(new), lambda_context) == {"batchItemFailures": []}
    assert len(sent_mail()) == 3


def test_a_batch_mixing_both_shapes_is_mailed_in_full(mailer: Outbox, lambda_context: Any) -> None:
    _ticket()
    first = mailer.take()
    _ticket()
    second = mailer.take()

    result = lambda_handler(sqs_event([*(old_shape(e) for e in first), *second]), lambda_context)

    assert result == {"batchItemFailures": []}
    assert len(sent_mail()) == 6


def test_old_shape_events_that_make_no_mail_are_consumed(mailer: Outbox, lambda_context: Any) -> None:
    ticket = _ticket()
    mailer.take()
    tickets.add_entry(ticket.ticket_id, NewEntry(EntryKind.INTERNAL_NOTE, BUDI, "Cek tagihan."))
    [note] = mailer.stream_records()
    # the old outbox said entry.added for a note too (kind internal_note)
    old = old_shape({"detail": {**json.loads(note["dynamodb"]["NewImage"]["payload"]["S"]), "type": "message.added"}})

    result = lambda_handler(sqs_event([old]), lambda_context)

    assert result == {"batchItemFailures": []}
    assert sent_mail() == []


def test_old_outbox_items_the_new_pipe_puts_on_the_bus_are_mailed_once(mailer: Outbox, lambda_context: Any) -> None:
    """At deploy time the new Pipe may read outbox items the old code wrote: the bus event's detail is then the old
    untyped payload (no schema_version) and its detail-type the old type. The rule must still route them to the
    notifier, and the notifier mail them (keyed on the bus event's id), not dead-letter or drop them."""
    _ticket()
    new = mailer.take()
    sent: list[str] = []
    bus = notifier_bus(sent)
    delivered = bus.put([bus_entry(old_shape(e)) for e in new])
    assert [e["detail-type"] for e in delivered] == ["ticket.created", "entry.added", "ticket.updated"]
    assert all("schema_version" not in e["detail"] for e in delivered)
    assert len(sent) == 3, "the rule dropped old-shape events"

    assert lambda_handler(sqs_event(sent), lambda_context) == {"batchItemFailures": []}
    assert sorted(m["To"] for m in sent_mail()) == [
        "Ani Wijaya <ani@customer.example>",
        "Ani Wijaya <ani@customer.example>",
        "sari@loket.example",
    ]
    # SQS delivers at least once: the same bus events again make no second mail
    assert lambda_handler(sqs_event(sent), lambda_context) == {"batchItemFailures": []}
    assert len(sent_mail()) == 3


def test_old_outbox_items_on_the_bus_that_make_no_mail_are_consumed(mailer: Outbox, lambda_context: Any) -> None:
    ticket = _ticket()
    mailer.take()
    tickets.add_entry(ticket.ticket_id, NewEntry(EntryKind.INTERNAL_NOTE, BUDI, "Cek tagihan."))
    [note] = mailer.stream_records()
    old = old_shape({"detail": {**json.loads(note["dynamodb"]["NewImage"]["payload"]["S"]), "type": "message.added"}})
    sent: list[str] = []
    notifier_bus(sent).put([bus_entry(old)])
    assert len(sent) == 1  # the old entry.added covered notes and replies alike: the rule cannot tell them apart

    assert lambda_handler(sqs_event(sent), lambda_context) == {"batchItemFailures": []}
    assert sent_mail() == []
