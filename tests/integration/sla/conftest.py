"""The SLA consumer and sweep on moto: each ticket's outbox events handed to the SLA handler as the SlaQueue would
(bus envelopes in SQS records), the clock pinned with time_machine."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine

from functions.sla import app as sla_app
from functions.sla_sweep import app as sweep_app
from loket.core import tickets as svc
from loket.core.data import keys
from loket.core.data import sla as sla_repo
from loket.core.data.models import OutboxItem, TicketItem
from loket.core.domain.ticket import Actor, Channel, Priority
from loket_local.patterns import EventPattern
from loket_local.template import load_template
from tests.conftest import load_event
from tests.support import moto_transactions

CUSTOMER = Actor(kind="customer", id="ani@customer.example", email="ani@customer.example")
AGENT = Actor(kind="agent", id="agent-1", email="agent@loket.example", role="agent")
START = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)


def envelope(payload: dict[str, Any]) -> str:
    return json.dumps({"version": "0", "id": str(uuid.uuid4()), "detail-type": payload["type"],
                       "source": "loket.tickets", "account": "123456789012", "time": payload["at"][:19] + "Z",
                       "region": "us-east-1", "resources": [], "detail": payload})  # fmt: skip


def outbox(ticket_id: str) -> list[dict[str, Any]]:
    """The ticket's events as the bus got them, in order."""
    items = OutboxItem.query(keys.ticket_pk(ticket_id), OutboxItem.sk.startswith("EVENT#"), consistent_read=True)
    return [dict(i.payload) for i in items]


@dataclass
class Clocks:
    context: Any
    clock: time_machine.Traveller
    delivered: set[str] = field(default_factory=set)
    pattern: EventPattern = field(
        default_factory=lambda: EventPattern(load_template()["Resources"]["SlaRule"]["Properties"]["EventPattern"])
    )

    def at(self, **delta: float) -> dt.datetime:
        """Move the clock to START + delta."""
        self.clock.move_to(START + dt.timedelta(**delta))
        return START + dt.timedelta(**delta)

    def open(self, priority: Priority = Priority.HIGH, group: str = "support") -> TicketItem:
        new = svc.NewTicket(subject="Tidak bisa login", body_text="Tolong dicek.", requester_email=CUSTOMER.email,
                            channel=Channel.WEB, group=group, priority=priority)  # fmt: skip
        ticket, _ = svc.create_ticket(new, CUSTOMER)
        return ticket

    def bodies(self, ticket_id: str, again: bool = False) -> list[str]:
        """The SlaQueue's messages for the ticket's events not handed over yet (all of them with `again`)."""
        out = []
        for payload in outbox(ticket_id):
            if (payload["event_id"] in self.delivered and not again) or not self.pattern.matches(
                {"source": "loket.tickets", "detail-type": payload["type"], "detail": payload}
            ):
                continue
            self.delivered.add(payload["event_id"])
            out.append(envelope(payload))
        return out

    def deliver(self, ticket_id: str, again: bool = False) -> int:
        bodies = self.bodies(ticket_id, again)
        if bodies:
            template = load_event("sla/ticket_created.json")["Records"][0]
            records = [{**template, "messageId": str(uuid.uuid4()), "body": b} for b in bodies]
            assert sla_app.lambda_handler({"Records": records}, self.context) == {"batchItemFailures": []}
        return len(bodies)

    def sweep(self, at: dt.datetime) -> dict[str, Any]:
        result: dict[str, Any] = sweep_app.lambda_handler({"scheduled_time": at.isoformat()}, self.context)
        return result


@pytest.fixture
def clocks(aws: None, lambda_context: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clocks]:
    moto_transactions.install(monkeypatch)
    with time_machine.travel(START, tick=False) as traveller:
        yield Clocks(lambda_context, traveller)


def sla_audit(ticket_id: str) -> list[tuple[str, str, int]]:
    from loket.core.data import tickets as repo

    return [(a.new["kind"], a.new["metric"], a.new["cycle"]) for a in repo.list_audit(ticket_id) if a.field == "sla"
            and "kind" in (a.new or {})]  # fmt: skip


def state(ticket_id: str) -> Any:
    found = sla_repo.get_state(ticket_id)
    assert found is not None
    return found
