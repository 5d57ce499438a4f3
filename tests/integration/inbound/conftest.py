"""The inbound function on moto: the mail and attachments buckets, and `deliver()`, which does what the SES
receipt rule does (raw mail to the mail bucket under the S3 action's prefix, then the function with an
SES event from events/inbound_email)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from functions.inbound_email import app as inbound_app
from loket.core.data import tickets as repo
from loket.core.data.models import EntryItem, TicketItem, bind_data
from loket.platform.aws import reset as reset_platform
from loket_local.template import resources_of_type
from tests.conftest import TABLE_NAME, load_event

MAIL_BUCKET = "loket-test-mail"
ATTACHMENTS_BUCKET = "loket-test-attachments"
SUPPORT = "support@loket.example"


def _rule_prefix() -> str:
    """The S3 action's ObjectKeyPrefix, from the receipt rule in template.yaml."""
    rule = next(iter(resources_of_type("AWS::SES::ReceiptRule").values()))
    actions = rule["Properties"]["Rule"]["Actions"]
    return str(next(a["S3Action"]["ObjectKeyPrefix"] for a in actions if "S3Action" in a))


@dataclass
class Delivered:
    ses_message_id: str
    result: dict[str, Any]

    @property
    def outcome(self) -> str:
        return str(self.result["outcome"])

    @property
    def ticket_id(self) -> str:
        return str(self.result["ticket_id"])

    def ticket(self) -> TicketItem:
        return repo.get_ticket(self.ticket_id)

    def entries(self) -> list[EntryItem]:
        return repo.list_entries(self.ticket_id)


Deliver = Callable[..., Delivered]


@pytest.fixture
def mail_env(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    prefix = _rule_prefix()
    monkeypatch.setenv("MAIL_BUCKET", MAIL_BUCKET)
    monkeypatch.setenv("MAIL_PREFIX", prefix)
    monkeypatch.setenv("ATTACHMENTS_BUCKET", ATTACHMENTS_BUCKET)
    monkeypatch.setenv("SUPPORT_ADDRESS", SUPPORT)
    reset_platform()
    bind_data()
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=MAIL_BUCKET)
    s3.create_bucket(Bucket=ATTACHMENTS_BUCKET)
    yield
    reset_platform()


def ses_event(
    event_file: str = "new_mail.json",
    ses_message_id: str | None = None,
    recipients: list[str] | None = None,
    source: str | None = None,
    **verdicts: str,
) -> dict[str, Any]:
    """An SES Lambda-action event from events/inbound_email, pointed at one stored mail."""
    event = load_event(f"inbound_email/{event_file}")
    ses = event["Records"][0]["ses"]
    if ses_message_id:
        ses["mail"]["messageId"] = ses_message_id
    # the envelope recipients the receipt rule matched: the support address these tests configure, unless given
    ses["receipt"]["recipients"] = recipients if recipients is not None else [SUPPORT]
    if source is not None:
        ses["mail"]["source"] = source
    for name, status in verdicts.items():  # spam="FAIL" -> receipt.spamVerdict.status
        ses["receipt"][f"{name}Verdict"] = {"status": status}
    return event


@pytest.fixture
def deliver(mail_env: None, lambda_context: Any) -> Deliver:
    def _deliver(
        raw: bytes, event_file: str = "new_mail.json", ses_message_id: str | None = None, **kw: Any
    ) -> Delivered:
        ses_id = ses_message_id or uuid.uuid4().hex
        boto3.client("s3").put_object(Bucket=MAIL_BUCKET, Key=f"{_rule_prefix()}{ses_id}", Body=raw)
        event = ses_event(event_file, ses_id, **kw)
        result = inbound_app.lambda_handler(event, lambda_context)
        return Delivered(ses_id, result["results"][0])

    return _deliver


def outbox_events(ticket_id: str) -> list[dict[str, Any]]:
    """The outbox events written for a ticket (what the notifier will see)."""
    items = boto3.client("dynamodb").query(
        TableName=TABLE_NAME,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :sk)",
        ExpressionAttributeValues={":pk": {"S": f"TICKET#{ticket_id}"}, ":sk": {"S": "EVENT#"}},
    )["Items"]
    out = []
    for item in items:
        payload = item["payload"]
        value = json.loads(payload["S"]) if "S" in payload else payload
        out.append({"type": item["event_type"]["S"], "payload": value})
    return out


def stored_attachment(key: str) -> bytes:
    return bytes(boto3.client("s3").get_object(Bucket=ATTACHMENTS_BUCKET, Key=key)["Body"].read())


def make_mail(
    subject: str = "Help with my order",
    sender: str = "Budi Santoso <budi.santoso@example.org>",
    to: str = SUPPORT,
    body: str = "Hello, my order has not arrived.",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    cc: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> bytes:
    """A plain mail as a client would send it (attachments: filename, content type, bytes)."""
    from email.message import EmailMessage
    from email.utils import make_msgid

    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = "Mon, 03 Jun 2024 10:15:20 +0700"
    msg["Message-ID"] = message_id or make_msgid(domain="example.org")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, content_type, data in attachments or []:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(msg)
