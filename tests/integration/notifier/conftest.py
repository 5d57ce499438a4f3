"""The notifier on moto: idempotency table from template.yaml, a verified SES identity, and the outbox read
from the table's stream the way the Pipe, the bus and the notifier's rule deliver it (the Pipe's filter and
target parameters and the rule's pattern from the template, matched by the local stack's bus): the SQS
message body is the bus event."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from loket.core import directory
from loket.core.domain.directory import Agent
from loket.platform.aws import reset as reset_platform
from loket_local.bus import LocalBus
from loket_local.patterns import EventPattern
from loket_local.sources import path_value, render_input
from loket_local.template import load_template, table_create_args
from tests.conftest import TABLE_NAME, load_event

IDEMPOTENCY_TABLE = "loket-test-idempotency"
SUPPORT = "support@loket.example"
AGENTS = {"agent-budi": "budi@loket.example", "agent-sari": "sari@loket.example"}


PIPE = "TicketEventsPipe"


def pipe_patterns(logical_id: str = PIPE) -> list[EventPattern]:
    """The pipe's FilterCriteria from template.yaml."""
    pipe = load_template()["Resources"][logical_id]["Properties"]
    return [EventPattern.load(f["Pattern"]) for f in pipe["SourceParameters"]["FilterCriteria"]["Filters"]]


def notifier_bus(sent: list[str]) -> LocalBus:
    """A bus with the template's NotifierRule, whose queue is `sent` (bodies)."""
    bus = LocalBus("TicketsBus", "tickets", "arn:aws:events:us-east-1:123456789012:event-bus/tickets",
                   "123456789012", "us-east-1", lambda _url, body: sent.append(body))  # fmt: skip
    rule = load_template()["Resources"]["NotifierRule"]["Properties"]
    bus.add_rule("NotifierRule", rule["EventPattern"], [("NotifierQueue", "notifier-queue")])
    return bus


def bus_entry(record: dict[str, Any]) -> dict[str, Any]:
    """The PutEvents entry the Pipe makes of a stream record (its TargetParameters from the template)."""
    params = load_template()["Resources"][PIPE]["Properties"]["TargetParameters"]
    detail = render_input(params["InputTemplate"], record)
    bus = params["EventBridgeEventBusParameters"]
    return {
        "Source": path_value(bus["Source"], record),
        "DetailType": path_value(bus["DetailType"], record),
        "Detail": detail if isinstance(detail, str) else json.dumps(detail),
    }


@dataclass
class Outbox:
    """What the Pipe, the bus and the NotifierRule would have put on the NotifierQueue since the last `take()`."""

    seen: set[str] = field(default_factory=set)

    def _stream_records(self) -> list[dict[str, Any]]:
        ddb = boto3.client("dynamodb")
        streams = boto3.client("dynamodbstreams")
        arn = ddb.describe_table(TableName=TABLE_NAME)["Table"]["LatestStreamArn"]
        records: list[dict[str, Any]] = []
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            iterator = streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            for record in streams.get_records(ShardIterator=iterator)["Records"]:
                records.append({**record, "eventSourceARN": arn})
        return records

    def stream_records(self) -> list[dict[str, Any]]:
        """New stream records that pass the pipe's filter (JSON-ready), as the pipe reads them."""
        patterns = pipe_patterns()
        fresh = []
        for record in self._stream_records():
            if record["eventID"] in self.seen:
                continue
            self.seen.add(record["eventID"])
            read: Any = json.loads(json.dumps(record, default=_epoch))  # the JSON the pipe would see
            if any(p.matches(read) for p in patterns):
                fresh.append(read)
        return fresh

    def take(self) -> list[dict[str, Any]]:
        """The bus events the NotifierQueue got from the new stream records (the SQS message bodies)."""
        sent: list[str] = []
        notifier_bus(sent).put([bus_entry(r) for r in self.stream_records()])
        return [json.loads(body) for body in sent]


def _epoch(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(type(value))


def sqs_event(bodies: list[Any]) -> dict[str, Any]:
    """An SQS event shaped like events/notifier/ticket_created.json, one record per body."""
    template = load_event("notifier/ticket_created.json")["Records"][0]
    records = []
    for body in bodies:
        message_id = str(uuid.uuid4())
        text = body if isinstance(body, str) else json.dumps(body)
        records.append({**template, "messageId": message_id, "body": text})
    return {"Records": records}


def sent_mail() -> list[EmailMessage]:
    """Every mail moto's SES accepted, parsed."""
    backend = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    raws = [m.raw_data for m in backend.sent_messages]
    return [message_from_bytes(r.encode() if isinstance(r, str) else r, policy=policy.default) for r in raws]  # type: ignore[misc]


@pytest.fixture
def notifier_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("IDEMPOTENCY_TABLE", IDEMPOTENCY_TABLE)
    monkeypatch.setenv("SUPPORT_ADDRESS", SUPPORT)
    monkeypatch.setenv("MAIL_FROM_NAME", "Loket Support")
    monkeypatch.setenv("DEFAULT_LANGUAGE", "id")
    reset_platform()
    yield
    reset_platform()


@pytest.fixture
def mailer(notifier_env: None, aws: None) -> Outbox:
    """moto with the tickets and idempotency tables and a verified sending domain; returns the pipe's view."""
    boto3.client("dynamodb").create_table(**table_create_args("IdempotencyTable", IDEMPOTENCY_TABLE))
    boto3.client("ses").verify_domain_identity(Domain=SUPPORT.split("@")[1])
    for agent_id, email in AGENTS.items():  # assignment notices go to the directory's address of the assignee
        directory.save_agent(Agent(agent_id, email))
    return Outbox()
