"""Which events make mail, to whom, and how the queue's messages are read (no AWS)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from loket.channels.email import notify
from loket.channels.email.settings import NotifierSettings
from loket.core.data.models import TicketItem
from tests.conftest import load_event

SETTINGS = NotifierSettings(idempotency_table="i", support_address="support@loket.example")


@pytest.mark.parametrize(
    ("channel", "automatic", "status", "first_kind", "acknowledged"),
    [
        ("web", False, "new", "customer_message", True),
        ("email", False, "new", "customer_message", True),
        ("email", True, "new", "customer_message", False),  # auto-reply or bounce: RFC 3834, no loop
        ("email", False, "quarantined", "customer_message", False),  # held mail is never answered
        ("api", False, "new", "public_reply", False),  # opened by an agent through the API
        ("web", False, "open", "public_reply", False),  # opened by an agent's reply
        ("chat", False, "new", "customer_message", False),
    ],
)
def test_acknowledgement_rules_by_channel_automatic_and_status(
    channel: str, automatic: bool, status: str, first_kind: str, acknowledged: bool
) -> None:
    reason = notify.acknowledgement_skip_reason(channel, automatic, status, first_kind)

    assert (reason is None) is acknowledged


@pytest.mark.parametrize(
    "name", ["ticket_created.json", "entry_added_public_reply.json", "ticket_updated_assignee.json"]
)
def test_sample_events_parse_into_outbox_events(name: str) -> None:
    event = load_event(f"notifier/{name}")

    record = notify.OutboxQueueRecord.model_validate(event["Records"][0])

    outbox = record.body.dynamodb.NewImage
    assert outbox.event_type in notify.MAILED_EVENTS
    assert outbox.payload["ticket_id"] == outbox.ticket_id
    assert outbox.event_id


def _with_body(change: Any) -> dict[str, Any]:
    record = load_event("notifier/ticket_created.json")["Records"][0]
    body = json.loads(record["body"])
    change(body)
    return {**record, "body": json.dumps(body)}


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b.update(eventName="MODIFY"),
        lambda b: b["dynamodb"]["NewImage"].update(type={"S": "ticket"}),
        lambda b: b["dynamodb"]["NewImage"].update(payload={"S": "{not json"}),
        lambda b: b["dynamodb"]["NewImage"].pop("event_id"),
        lambda b: b["dynamodb"].pop("NewImage"),
    ],
    ids=["modify", "not-an-event", "payload-not-json", "no-event-id", "no-new-image"],
)
def test_malformed_stream_record_is_rejected(change: Any) -> None:
    with pytest.raises(ValidationError):
        notify.OutboxQueueRecord.model_validate(_with_body(change))


def _ticket(**values: Any) -> TicketItem:
    base = {"requester_email": "ani@customer.example", "requester_name": "Ani", "cc": []}
    return TicketItem(**{**base, **values})


def test_recipients_are_the_requester_and_valid_ccs_without_ourselves() -> None:
    ticket = _ticket(cc=["dewi@customer.example", "support+LKT-1.x@loket.example", "bad", "ANI@customer.example"])

    to, cc = notify.customer_recipients(ticket, SETTINGS, with_cc=True)

    assert [m.address for m in to] == ["ani@customer.example"]
    assert [m.address for m in cc] == ["dewi@customer.example"]


def test_acknowledgement_goes_to_the_requester_only() -> None:
    to, cc = notify.customer_recipients(_ticket(cc=["dewi@customer.example"]), SETTINGS, with_cc=False)

    assert [m.address for m in to] == ["ani@customer.example"] and cc == []


def test_requester_that_is_our_own_mailbox_gets_nothing() -> None:
    to, cc = notify.customer_recipients(_ticket(requester_email="support@loket.example"), SETTINGS, with_cc=True)

    assert to == [] and cc == []


@pytest.mark.parametrize(
    ("event_type", "payload", "mailed"),
    [
        ("ticket.created", {"automatic": False}, True),
        ("ticket.created", {"automatic": True}, False),
        ("entry.added", {"kind": "public_reply"}, True),
        ("entry.added", {"kind": "internal_note"}, False),
        ("entry.added", {"kind": "customer_message"}, False),
        ("ticket.updated", {"assignee_changed": True}, True),
        ("ticket.updated", {"assignee_changed": False, "fields": ["status"]}, False),
        ("ticket.merged", {"into": "x"}, False),
        ("ticket.released", {}, True),
    ],
)
def test_events_ruled_out_by_their_payload(event_type: str, payload: dict[str, Any], mailed: bool) -> None:
    event = notify.OutboxEvent.model_validate(
        {
            "type": "event",
            "event_id": "e",
            "event_type": event_type,
            "ticket_id": "t",
            "payload": json.dumps(payload),
            "at": "now",
        }
    )

    assert (notify.payload_skip_reason(event) is None) is mailed
