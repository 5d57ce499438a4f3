"""The router on moto, fed the way AWS feeds it: the table's stream read through the Pipe's filter and target
parameters, the bus matching the template's RouterRule, and the queue's messages handed to the router's handler in
SQS batches. moto serves one request at a time here, as the local stack's moto does (its in-process backends have
no locks; DynamoDB itself runs each request atomically), so handlers may race from threads."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto.core.botocore_stubber import BotocoreStubber

from functions.router import app
from loket.core import directory
from loket.core import tickets as svc
from loket.core.data import keys
from loket.core.data import tickets as repo
from loket.core.data.models import AgentLoadItem, RoutingCursorItem, TicketItem
from loket.core.domain.directory import Agent, AssignmentMode, Availability, Group
from loket.core.domain.ticket import Actor, Channel, Priority
from loket_local.bus import LocalBus
from loket_local.template import load_template
from tests.conftest import TABLE_NAME, load_event
from tests.integration.notifier.conftest import _epoch, bus_entry, pipe_patterns
from tests.support import moto_transactions

CUSTOMER = Actor(kind="customer", id="ani@customer.example", email="ani@customer.example")
LEAD = Actor(kind="agent", id="agent-lead", email="lead@loket.example", role="lead")


@pytest.fixture
def serial_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """One moto request at a time, each whole (what DynamoDB guarantees of a request, transactions included)."""
    lock = threading.Lock()
    original = BotocoreStubber.__call__

    def serialized(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        with lock:
            return original(self, event_name, request, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", serialized)


def router_bus(sent: list[str]) -> LocalBus:
    """A bus with the template's RouterRule, whose queue is `sent` (bodies)."""
    bus = LocalBus("TicketsBus", "tickets", "arn:aws:events:us-east-1:123456789012:event-bus/tickets",
                   "123456789012", "us-east-1", lambda _url, body: sent.append(body))  # fmt: skip
    rule = load_template()["Resources"]["RouterRule"]["Properties"]
    bus.add_rule("RouterRule", rule["EventPattern"], [("RouterQueue", "router-queue")])
    return bus


def sqs_event(bodies: list[str]) -> dict[str, Any]:
    """An SQS event shaped like events/router/ticket_created.json, one record per body."""
    template = load_event("router/ticket_created.json")["Records"][0]
    return {"Records": [{**template, "messageId": str(uuid.uuid4()), "body": body} for body in bodies]}


@dataclass
class Router:
    """The stream -> Pipe -> bus -> RouterRule -> RouterQueue path, and the router's handler on its messages."""

    context: Any
    after: dict[str, str] = field(default_factory=dict)  # shard -> the last sequence number read

    def _stream_records(self) -> list[dict[str, Any]]:
        arn = boto3.client("dynamodb").describe_table(TableName=TABLE_NAME)["Table"]["LatestStreamArn"]
        streams = boto3.client("dynamodbstreams")
        records: list[dict[str, Any]] = []
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            shard_id = shard["ShardId"]
            where: dict[str, Any] = {"ShardIteratorType": "TRIM_HORIZON"}
            if shard_id in self.after:
                where = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self.after[shard_id]}
            iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, **where)["ShardIterator"]
            while iterator:
                page = streams.get_records(ShardIterator=iterator, Limit=1000)
                if not page["Records"]:
                    break
                records += [{**r, "eventSourceARN": arn} for r in page["Records"]]
                self.after[shard_id] = page["Records"][-1]["dynamodb"]["SequenceNumber"]
                iterator = page.get("NextShardIterator")
        return records

    def messages(self) -> list[str]:
        """The bodies the RouterQueue got since the last call (the bus events of new outbox items, in order)."""
        patterns = pipe_patterns()
        fresh = []
        for record in self._stream_records():
            read: Any = json.loads(json.dumps(record, default=_epoch))
            if any(p.matches(read) for p in patterns):
                fresh.append(read)
        sent: list[str] = []
        router_bus(sent).put([bus_entry(r) for r in fresh])
        return sent

    def handle(self, bodies: list[str], batch: int = 10) -> list[dict[str, Any]]:
        """Run the router's handler over `bodies` in SQS batches; every record must succeed."""
        responses = []
        for start in range(0, len(bodies), batch):
            response = app.lambda_handler(sqs_event(bodies[start : start + batch]), self.context)
            assert response == {"batchItemFailures": []}
            responses.append(response)
        return responses

    def deliver(self) -> int:
        """Hand every new message to the router until the events it causes run dry; how many it handled."""
        handled = 0
        while bodies := self.messages():
            self.handle(bodies)
            handled += len(bodies)
        return handled


@pytest.fixture
def router(aws: None, lambda_context: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Router]:
    """moto with the tickets table (transactions without moto's copies of the table); the stream read from its
    start."""
    moto_transactions.install(monkeypatch)
    yield Router(lambda_context)


def make_group(name: str, mode: AssignmentMode) -> Group:
    return directory.save_group(Group(name, f"{name}@loket.example", mode))


def make_agent(agent_id: str, groups: tuple[str, ...], capacity: int = 20, available: bool = True) -> Agent:
    availability = Availability.AVAILABLE if available else Availability.AWAY
    agent = Agent(agent_id, f"{agent_id}@loket.example", groups=groups, availability=availability, capacity=capacity)
    return directory.save_agent(agent, actor=LEAD)


def open_ticket(group: str, subject: str = "Tolong", priority: Priority = Priority.NORMAL) -> TicketItem:
    new = svc.NewTicket(subject=subject, body_text="Tolong dicek.", requester_email=CUSTOMER.email,
                        channel=Channel.WEB, group=group, priority=priority)  # fmt: skip
    ticket, _ = svc.create_ticket(new, CUSTOMER)
    return ticket


def ticket(ticket_id: str) -> TicketItem:
    return repo.get_ticket(ticket_id)


def load(agent_id: str) -> int:
    found = list(AgentLoadItem.query(keys.agent_load_pk(agent_id)))
    return int(found[0].open) if found else 0


def cursor(group: str) -> RoutingCursorItem | None:
    return next(iter(RoutingCursorItem.query(keys.routing_cursor_pk(group))), None)


def routing_audit(ticket_id: str) -> list[Any]:
    """The ticket's assignment entries (field `routing` with the agent picked; the rules' entry names no agent)."""
    return [
        a for a in repo.list_audit(ticket_id) if a.field == "routing" and isinstance(a.new, dict) and "agent" in a.new
    ]
