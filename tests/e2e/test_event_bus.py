"""Ticket events on `make run` travel as in AWS: table stream -> Pipe -> bus -> rule -> queue -> notifier. A web-form
ticket's acknowledgement goes that way, and the bus event is on the /_local/bus page."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from loket_local.stack import LocalStack
from tests.e2e.conftest import eventually, http

pytestmark = pytest.mark.e2e


def _bus_event(stack: LocalStack, number: int) -> dict[str, Any] | None:
    for bus in http(stack, "GET", "/_local/bus.json").json().values():
        for seen in bus["events"]:
            event = seen["event"]
            if event["detail-type"] == "ticket.created" and event["detail"]["ticket_number"] == number:
                return seen
    return None


def test_web_form_ticket_is_acknowledged_through_the_bus(local_stack: LocalStack) -> None:
    email = f"bus-{uuid.uuid4().hex[:8]}@example.org"
    created = http(
        local_stack,
        "POST",
        "/v1/public/tickets",
        {
            "name": "Dewi",
            "email": email,
            "subject": "Lewat bus",
            "category": "billing",
            "message": "Tagihan dobel.",
            "lang": "en",
        },
    )
    assert created.status == 201
    number = int(created.json()["ticket"]["number"].removeprefix("LKT-"))

    seen = eventually(lambda: _bus_event(local_stack, number))
    mail = eventually(
        lambda: next(
            (m for m in http(local_stack, "GET", "/_local/outbox.json").json() if email in " ".join(m["to"])), None
        )
    )

    assert sorted(seen["rules"]) == ["NotifierRule", "RouterRule", "SlaRule"]
    assert seen["event"]["source"] == "loket.tickets"
    assert seen["event"]["detail"]["channel"] == "web" and seen["event"]["detail"]["actor"]["id"] == email
    assert f"[LKT-{number}]" in mail["subject"]
    assert dict(mail["headers"])["Auto-Submitted"] == "auto-replied"


def test_bus_page_shows_each_consumer_with_its_queue_and_dlq_depth(local_stack: LocalStack) -> None:
    buses = http(local_stack, "GET", "/_local/bus.json").json()
    page = http(local_stack, "GET", "/_local/bus", headers={"Accept": "text/html"})

    [consumer] = [c for bus in buses.values() for c in bus["consumers"] if c["rule"] == "NotifierRule"]
    assert consumer["queue"]["queue"] == "NotifierQueue" and consumer["dlq"]["queue"] == "NotifierDLQ"
    assert {"visible", "in_flight"} <= set(consumer["dlq"])
    assert page.status == 200
    assert b"NotifierRule" in page.body and b"NotifierDLQ" in page.body
