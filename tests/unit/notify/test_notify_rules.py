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
from tests.unit.test_event_contract import BUS_EVENTS

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


@pytest.mark.parametrize("name", ["ticket_created.json", "message_added_public_reply.json", "ticket_assigned.json"])
def test_sample_messages_are_bus_events_the_notifier_mails(name: str) -> None:
    body = load_event(f"notifier/{name}")["Records"][0]["body"]

    event = notify.event_of(body)

    assert not isinstance(event, notify.NoMail)
    assert event.type in notify.MAILED_EVENTS
    assert json.loads(body)["detail-type"] == event.type


def _bus_body(change: Any) -> str:
    envelope = json.loads(load_event("notifier/ticket_created.json")["Records"][0]["body"])
    change(envelope)
    return json.dumps(envelope)


@pytest.mark.parametrize(
    "change",
    [
        lambda e: e["detail"].update(schema_version=2),
        lambda e: e["detail"].pop("event_id"),
        lambda e: e["detail"].update(type="ticket.exploded"),
        lambda e: e.pop("detail"),
    ],
    ids=["unknown-version", "no-event-id", "unknown-type", "no-detail"],
)
def test_malformed_bus_event_is_rejected(change: Any) -> None:
    with pytest.raises((ValidationError, KeyError)):
        notify.event_of(_bus_body(change))


def test_a_message_of_neither_shape_is_rejected() -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        notify.event_of(json.dumps({"eventName": "INSERT", "dynamodb": {}}))


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
    ("event_type", "fields", "mailed"),
    [
        ("ticket.created", {}, True),
        ("ticket.created", {"automatic": True}, False),
        ("message.added", {"kind": "public_reply"}, True),
        ("message.added", {"kind": "customer_message"}, False),
        ("note.added", {}, False),
        ("ticket.assigned", {}, True),
        ("ticket.updated", {}, False),
        ("ticket.merged", {}, False),
        ("ticket.released", {}, True),
    ],
)
def test_events_ruled_out_by_the_event_alone(event_type: str, fields: dict[str, Any], mailed: bool) -> None:
    detail = json.loads((BUS_EVENTS / f"{event_type}.json").read_text())["detail"]
    body = json.dumps({"detail-type": event_type, "detail": {**detail, **fields}})

    assert (not isinstance(notify.event_of(body), notify.NoMail)) is mailed


@pytest.mark.parametrize(
    ("event_type", "payload"),
    [
        ("entry.added", {"kind": "internal_note"}),
        ("entry.added", {"kind": "customer_message"}),
        ("ticket.updated", {"assignee_changed": False, "fields": ["status"]}),
        ("ticket.merged", {"into": "x"}),
        ("ticket.created", {"automatic": True}),
    ],
)
def test_old_shape_events_that_make_no_mail_are_decided_without_reading_the_table(
    event_type: str, payload: dict[str, Any]
) -> None:
    record = json.loads(load_event("notifier/legacy_stream_record_ticket_created.json")["Records"][0]["body"])
    record["dynamodb"]["NewImage"].update(event_type={"S": event_type}, payload={"S": json.dumps(payload)})

    assert isinstance(notify.event_of(json.dumps(record)), notify.NoMail)  # no AWS here: a read would fail
