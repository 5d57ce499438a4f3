"""The SMTP side of the local stack, the way SES receiving treats mail: internationalized addresses (SMTPUTF8),
lines longer than RFC 5322's 998 characters, and mail that cannot be handed on, which must end somewhere visible
instead of in a 4xx the sender retries forever."""

from __future__ import annotations

import datetime as dt
import json
import smtplib
import uuid
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTPUTF8, compat32
from email.utils import make_msgid
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from loket_local.smtp import ReceiptRules, delivery_failure_reply
from loket_local.stack import LocalStack
from tests.e2e.conftest import eventually, http

pytestmark = pytest.mark.e2e


def agent(stack: LocalStack) -> str:
    return stack.issuer.tokens()["agent"]


def support_address(stack: LocalStack) -> str:
    return next(r for rule in stack.receipt.rules for r in rule.recipients if "@" in r)


def ticket_with_subject(stack: LocalStack, subject: str) -> dict[str, Any] | None:
    items = http(stack, "GET", "/v1/tickets?limit=100", token=agent(stack)).json()["items"]
    return next((t for t in items if t["subject"] == subject), None)


def mails_for(stack: LocalStack, number: str) -> list[dict[str, Any]]:
    return [m for m in stack.outbox.mails() if number in m["subject"]]


def international_mail(sender: str, to: str, subject: str, text: str) -> bytes:
    """A message as an EAI client writes it: UTF-8 in the headers (RFC 6532), no encoded words."""
    message = EmailMessage(policy=SMTPUTF8)
    message["From"] = f"José Ramírez <{sender}>"
    message["To"], message["Subject"] = to, subject
    message["Message-ID"] = make_msgid(domain="example.org")
    message.set_content(text)
    return message.as_bytes()


def send_smtputf8(stack: LocalStack, sender: str, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as smtp:
        smtp.sendmail(sender, [support_address(stack)], raw, mail_options=["SMTPUTF8"])


def notifier_result(stack: LocalStack, ticket_id: str) -> dict[str, Any] | None:
    """What the notifier recorded as the result of an event of this ticket (its idempotency record, COMPLETED)."""
    dynamodb = stack.aws.client("dynamodb")
    table = next(t for t in dynamodb.list_tables()["TableNames"] if "Idempotency" in t)
    for item in dynamodb.scan(TableName=table)["Items"]:
        if item.get("status", {}).get("S") == "COMPLETED" and "data" in item:
            data = json.loads(item["data"]["S"])
            if isinstance(data, dict) and data.get("ticket_id") == ticket_id:
                return data
    return None


# --- SMTPUTF8 ------------------------------------------------------------------------------------------------


def test_ehlo_advertises_smtputf8(local_stack: LocalStack) -> None:
    with smtplib.SMTP("127.0.0.1", local_stack.smtp_port, timeout=30) as smtp:
        smtp.ehlo("client.example.org")

        assert smtp.has_extn("smtputf8")


def test_non_ascii_domain_sender_gets_ticket_and_acknowledgement_to_the_idna_address(
    local_stack: LocalStack,
) -> None:
    sender = f"dewi.{uuid.uuid4().hex[:6]}@bücher.example"
    subject = f"Pesanan belum sampai {uuid.uuid4().hex[:6]}"

    send_smtputf8(local_stack, sender, international_mail(sender, support_address(local_stack), subject, "Halo"))

    ticket = eventually(lambda: ticket_with_subject(local_stack, subject))
    assert ticket["requester"]["email"] == sender
    assert ticket["requester"]["name"] == "José Ramírez"
    mail = eventually(lambda: mails_for(local_stack, ticket["number"]))[0]
    local, _, domain = sender.partition("@")
    ascii_address = f"{local}@{domain.encode('idna').decode()}"
    assert ascii_address in mail["destinations"]
    assert any(ascii_address in to for to in mail["to"])


def test_non_ascii_local_part_sender_gets_ticket_and_the_unsendable_acknowledgement_is_recorded(
    local_stack: LocalStack,
) -> None:
    """SES sends to 7-bit ASCII addresses only (no SMTPUTF8 when sending); Punycode is for domains, never for a
    local part. The acknowledgement to `josé@` cannot go out through SES at all: the notifier skips it with the
    reason, rather than failing the record on every delivery until it lands in the DLQ."""
    sender = f"josé.{uuid.uuid4().hex[:6]}@example.com"
    subject = f"Tidak bisa masuk {uuid.uuid4().hex[:6]}"

    send_smtputf8(local_stack, sender, international_mail(sender, support_address(local_stack), subject, "Halo"))

    ticket = eventually(lambda: ticket_with_subject(local_stack, subject))
    assert ticket["requester"]["email"] == sender
    result = eventually(lambda: notifier_result(local_stack, ticket["id"]))
    assert result["sent"] is False
    assert "non-ASCII" in result["reason"] and "SMTPUTF8" in result["reason"]
    assert mails_for(local_stack, ticket["number"]) == []


# --- long lines ----------------------------------------------------------------------------------------------


def test_line_of_3000_characters_arrives_byte_for_byte_in_bucket_and_ticket(local_stack: LocalStack) -> None:
    subject = f"Log export {uuid.uuid4().hex[:6]}"
    long_line = ",".join(f"2025-12-01T09:{i % 60:02d}:00Z;host-{i:04d};OK" for i in range(200))[:3000]
    assert len(long_line) == 3000
    raw = (
        f"From: Budi <budi@example.org>\r\nTo: {support_address(local_stack)}\r\nSubject: {subject}\r\n"
        f"Message-ID: {make_msgid(domain='example.org')}\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
        f"The export:\r\n{long_line}\r\nEnd.\r\n"
    ).encode()

    with smtplib.SMTP("127.0.0.1", local_stack.smtp_port, timeout=30) as smtp:
        smtp.ehlo("client.example.org")
        smtp.mail("budi@example.org")
        smtp.rcpt(support_address(local_stack))
        code, reply = smtp.data(raw)

    assert code == 250, reply
    ses_id = reply.decode().split()[-1]
    stored = (
        local_stack.aws.client("s3")
        .get_object(Bucket=local_stack.aws.buckets()["MailBucket"], Key=f"inbound/{ses_id}")["Body"]
        .read()
    )
    assert stored.endswith(raw)  # SES only puts its own headers on top
    ticket = eventually(lambda: ticket_with_subject(local_stack, subject))
    entries = http(local_stack, "GET", f"/v1/tickets/{ticket['id']}/conversation", token=agent(local_stack)).json()
    assert long_line in entries["items"][0]["body_text"].splitlines()


# --- mail that cannot be handed on ---------------------------------------------------------------------------


def transaction(stack: LocalStack, mail_from: bytes, rcpt_to: bytes) -> tuple[int, bytes]:
    """MAIL, RCPT and DATA with raw envelope bytes; the first reply that is not a success ends it."""
    message = b"From: x@example.org\r\nSubject: hello\r\n\r\nhello\r\n"
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as smtp:
        smtp.ehlo("client.example.org")
        for command in (b"MAIL FROM:<" + mail_from + b"> SMTPUTF8", b"RCPT TO:<" + rcpt_to + b">"):
            smtp.send(command + b"\r\n")
            code, reply = smtp.getreply()
            if code >= 400:
                return code, reply
        return smtp.data(message)


def test_sender_address_that_is_not_utf8_is_refused_with_5xx_and_reason_not_451(local_stack: LocalStack) -> None:
    """Latin-1 bytes in MAIL FROM under SMTPUTF8: the address can be neither written into the stored mail (SES's
    Return-Path and Received headers) nor put in the JSON event. A retry sends the same bytes, so a 451 would only
    loop; the mail is refused for good, with the reason."""
    code, reply = transaction(local_stack, b"caf\xe9@example.org", support_address(local_stack).encode())

    assert (code, b"UTF-8" in reply) == (553, True), reply


def test_recipient_address_that_is_not_utf8_is_refused_with_5xx_and_reason_not_451(local_stack: LocalStack) -> None:
    local, _, domain = support_address(local_stack).partition("@")
    recipient = local.encode() + b"+caf\xe9@" + domain.encode()  # a label the receipt rule would take

    code, reply = transaction(local_stack, b"budi@example.org", recipient)

    assert (code, b"UTF-8" in reply) == (553, True), reply


def test_ses_event_for_international_mail_keeps_header_strings_as_in_the_message() -> None:
    raw = (
        'From: "Ramírez, José" <josé@bücher.example>\r\nTo: Dukungan <support@loket.example>\r\n'
        "Subject: Pesanan belum sampai · ñ\r\nMessage-ID: <a1@bücher.example>\r\n\r\nHalo\r\n"
    ).encode()
    rules = ReceiptRules([], runtime=None, s3=None, invoker=None, region="us-east-1", account="123456789012")  # type: ignore[arg-type]
    verdicts = dict.fromkeys(("spam", "virus", "spf", "dkim", "dmarc"), "PASS")

    event = rules.event(
        message_from_bytes(raw, policy=compat32),
        "ses-id",
        "josé@bücher.example",
        ["support@loket.example"],
        ["support@loket.example"],
        dt.datetime(2025, 12, 1, tzinfo=dt.UTC),
        verdicts,
        {"FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:inbound"},
        3,
    )

    mail = event["Records"][0]["ses"]["mail"]
    assert mail["commonHeaders"]["from"] == ['"Ramírez, José" <josé@bücher.example>']
    assert mail["commonHeaders"]["to"] == ["Dukungan <support@loket.example>"]
    assert mail["commonHeaders"]["subject"] == "Pesanan belum sampai · ñ"
    assert mail["commonHeaders"]["returnPath"] == mail["source"] == "josé@bücher.example"
    assert {"name": "Message-ID", "value": "<a1@bücher.example>"} in mail["headers"]
    assert not any("\ufffd" in h["value"] for h in mail["headers"])


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), 451),
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:1"), 451),
        (ClientError({"Error": {"Code": "SlowDown"}, "ResponseMetadata": {"HTTPStatusCode": 503}}, "PutObject"), 451),
        (
            ClientError({"Error": {"Code": "InternalError"}, "ResponseMetadata": {"HTTPStatusCode": 500}}, "PutObject"),
            451,
        ),
        (
            ClientError({"Error": {"Code": "NoSuchBucket"}, "ResponseMetadata": {"HTTPStatusCode": 404}}, "PutObject"),
            554,
        ),
        (UnicodeEncodeError("ascii", "josé", 3, 4, "ordinal not in range(128)"), 554),
        (ValueError("header value contains a linefeed"), 554),
    ],
)
def test_failed_hand_on_is_451_only_when_a_retry_can_get_past_it(error: Exception, code: int) -> None:
    reply = delivery_failure_reply(error, "budi@example.org", ["support@loket.example"])

    assert reply.startswith(f"{code} ")
    assert type(error).__name__ in reply  # the reason goes to the client, not only to our log
    assert "\n" not in reply and reply.isascii()
