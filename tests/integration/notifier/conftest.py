"""The notifier on moto: idempotency table from template.yaml, a verified SES identity, and the outbox read
from the table's stream the way the EventBridge Pipe does (FilterCriteria from the template, stream record
as the SQS message body)."""

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
from moto.events.models import EventPattern
from moto.ses.models import ses_backends

from loket.platform.aws import reset as reset_platform
from loket_local.template import load_template, table_create_args
from tests.conftest import TABLE_NAME, load_event

IDEMPOTENCY_TABLE = "loket-test-idempotency"
SUPPORT = "support@loket.example"
AGENTS = {"agent-budi": "budi@loket.example", "agent-sari": "sari@loket.example"}


def pipe_patterns(logical_id: str = "NotifierPipe") -> list[EventPattern]:
    """The pipe's FilterCriteria from template.yaml, with moto's EventBridge pattern matcher."""
    pipe = load_template()["Resources"][logical_id]["Properties"]
    return [EventPattern.load(f["Pattern"]) for f in pipe["SourceParameters"]["FilterCriteria"]["Filters"]]


@dataclass
class Outbox:
    """What the NotifierPipe would have put on the NotifierQueue since the last `take()`."""

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

    def take(self) -> list[dict[str, Any]]:
        """New stream records that pass the pipe's filter, as the pipe would send them (JSON-ready)."""
        patterns = pipe_patterns()
        fresh = []
        for record in self._stream_records():
            if record["eventID"] in self.seen:
                continue
            self.seen.add(record["eventID"])
            sent: Any = json.loads(json.dumps(record, default=_epoch))  # the JSON the pipe would send
            if any(p.matches_event(sent) for p in patterns):
                fresh.append(sent)
        return fresh


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
    monkeypatch.setenv("AGENT_DIRECTORY", json.dumps(AGENTS))
    monkeypatch.setenv("DEFAULT_LANGUAGE", "id")
    reset_platform()
    yield
    reset_platform()


@pytest.fixture
def mailer(notifier_env: None, aws: None) -> Outbox:
    """moto with the tickets and idempotency tables and a verified sending domain; returns the pipe's view."""
    boto3.client("dynamodb").create_table(**table_create_args("IdempotencyTable", IDEMPOTENCY_TABLE))
    boto3.client("ses").verify_domain_identity(Domain=SUPPORT.split("@")[1])
    return Outbox()
