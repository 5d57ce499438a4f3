"""SES delivering twice, SES verdicts, the loop gate and burst limit, and mail that cannot be read."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from functions.inbound_email import app as inbound_app
from loket.channels.email.store import RawMailMissing
from loket.core.data import tickets as repo
from loket.core.data.models import bind_data
from loket.core.data.tickets import TicketFilter
from loket.platform.aws import reset as reset_platform
from tests.integration.inbound.conftest import (
    MAIL_BUCKET,
    Deliver,
    make_mail,
    outbox_events,
    ses_event,
    stored_attachment,
)


def _messages(ticket_id: str) -> int:
    return len([e for e in repo.list_entries(ticket_id) if e.kind == "customer_message"])


def _tickets_of(requester: str) -> list[Any]:
    found, _ = repo.list_tickets(TicketFilter(requester=requester), 50, None)
    return found


# --- at-least-once delivery ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event_file", ["new_mail.json", "spam_fail.json", "virus_fail.json", "dmarc_fail.json", "bounce.json"]
)
def test_same_ses_event_delivered_twice_gives_one_ticket_one_message(
    deliver: Deliver, lambda_context: Any, event_file: str
) -> None:
    first = deliver(make_mail(sender="twice@example.org"), event_file=event_file)
    event = ses_event(event_file, first.ses_message_id)

    again = inbound_app.lambda_handler(event, lambda_context)["results"][0]

    assert again == {"outcome": "duplicate", "ticket_id": first.ticket_id}
    assert len(_tickets_of("twice@example.org")) == 1
    assert _messages(first.ticket_id) == 1
    assert len([e for e in outbox_events(first.ticket_id) if e["type"] == "ticket.created"]) == 1


def test_same_reply_delivered_twice_adds_one_message(deliver: Deliver, lambda_context: Any) -> None:
    first = deliver(make_mail(message_id="<start@example.org>"))
    reply = deliver(make_mail(in_reply_to="<start@example.org>", body="more details"))

    again = inbound_app.lambda_handler(ses_event("new_mail.json", reply.ses_message_id), lambda_context)["results"][0]

    assert again["outcome"] == "duplicate"
    assert _messages(first.ticket_id) == 2


def test_same_message_id_in_two_ses_mails_is_one_message(deliver: Deliver) -> None:
    """One mail sent to two of our addresses reaches SES twice with different SES ids."""
    raw = make_mail(message_id="<to-two-boxes@example.org>")

    first, second = deliver(raw), deliver(raw)

    assert second.outcome == "duplicate"
    assert second.ticket_id == first.ticket_id
    assert _messages(first.ticket_id) == 1


def test_attachments_on_a_repeated_event_are_stored_once_under_the_same_key(
    deliver: Deliver, lambda_context: Any
) -> None:
    first = deliver(make_mail(attachments=[("invoice.pdf", "application/pdf", b"%PDF-1.4 x")]))
    inbound_app.lambda_handler(ses_event("new_mail.json", first.ses_message_id), lambda_context)

    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="loket-test-attachments")["Contents"]]

    assert keys == [first.entries()[0].attachments[0].key]
    assert stored_attachment(keys[0]) == b"%PDF-1.4 x"


# --- SES verdicts --------------------------------------------------------------------------------------


def test_spam_fail_is_quarantined_and_releasable(deliver: Deliver) -> None:
    delivered = deliver(make_mail(), event_file="spam_fail.json")

    ticket = delivered.ticket()
    assert delivered.outcome == "quarantined"
    assert ticket.status == "quarantined"
    assert ticket.extra["quarantine"] == {"reason": "spam: SES spam verdict FAIL", "releasable": True}
    listed, _ = repo.list_tickets(TicketFilter(status="quarantined"), 10, None)
    assert [t.ticket_id for t in listed] == [ticket.ticket_id]


def test_virus_fail_is_quarantined_not_releasable_and_attachments_held_back(deliver: Deliver) -> None:
    delivered = deliver(
        make_mail(attachments=[("x.exe", "application/octet-stream", b"MZ...")]), event_file="virus_fail.json"
    )

    ticket, entry = delivered.ticket(), delivered.entries()[0]
    assert ticket.status == "quarantined"
    assert ticket.extra["quarantine"]["releasable"] is False
    assert entry.attachments == []
    assert entry.extra["mail"]["skipped_attachments"][0]["filename"] == "x.exe"
    assert "Contents" not in boto3.client("s3").list_objects_v2(Bucket="loket-test-attachments")


def test_spam_reply_to_live_ticket_is_held_apart_and_points_at_it(deliver: Deliver) -> None:
    first = deliver(make_mail(message_id="<live@example.org>"))

    spam = deliver(make_mail(in_reply_to="<live@example.org>"), event_file="spam_fail.json")

    assert spam.outcome == "quarantined"
    assert spam.ticket_id != first.ticket_id
    assert spam.entries()[0].extra["mail"]["belongs_to"]["ticket_id"] == first.ticket_id
    assert _messages(first.ticket_id) == 1


def test_verdicts_are_recorded_on_the_entry(deliver: Deliver) -> None:
    delivered = deliver(make_mail(), event_file="spam_fail.json")

    assert delivered.entries()[0].extra["mail"]["verdicts"]["spam"] == "FAIL"


# --- loop gate -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "auto-submitted"),
        ({"Precedence": "bulk"}, "precedence"),
        ({"Precedence": "junk"}, "precedence"),
        ({"X-Autoreply": "yes"}, "x-autoreply"),
        ({"X-Autorespond": "vacation"}, "x-autoreply"),
        ({"X-Auto-Response-Suppress": "All"}, "x-auto-response-suppress"),
        ({"Return-Path": "<>"}, "null-return-path"),
        ({"X-Loket-Ticket": "LKT-3"}, "own-mail"),
    ],
)
def test_loop_header_mail_is_recorded_but_automatic(deliver: Deliver, headers: dict[str, str], reason: str) -> None:
    delivered = deliver(make_mail(headers=headers))

    entry = delivered.entries()[0]
    assert delivered.outcome == "created"
    assert reason in entry.extra["mail"]["gate"]
    created = [e for e in outbox_events(delivered.ticket_id) if e["type"] == "ticket.created"]
    assert created[0]["payload"]["automatic"] is True


def test_empty_envelope_sender_is_a_null_return_path(deliver: Deliver) -> None:
    delivered = deliver(make_mail(), source="")

    assert "null-return-path" in delivered.entries()[0].extra["mail"]["gate"]


def test_own_support_address_as_sender_is_automatic(deliver: Deliver) -> None:
    delivered = deliver(make_mail(sender="Loket <support+LKT-1.abc@loket.example>"))

    assert "own-mail" in delivered.entries()[0].extra["mail"]["gate"]


def test_person_writing_normally_is_not_automatic(deliver: Deliver) -> None:
    delivered = deliver(make_mail())

    assert delivered.entries()[0].extra["mail"]["gate"] == []
    assert outbox_events(delivered.ticket_id)[0]["payload"]["automatic"] is False


@pytest.mark.usefixtures("one_rate_window")
def test_sender_burst_beyond_limit_is_automatic(deliver: Deliver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAIL_SENDER_BURST_LIMIT", "2")
    reset_platform()
    bind_data()

    results = [deliver(make_mail(subject=f"mail {n}")) for n in range(3)]

    gates = [r.entries()[0].extra["mail"]["gate"] for r in results]
    assert gates == [[], [], ["sender-burst"]]
    assert all(r.outcome == "created" for r in results)


# --- bad content and caps ------------------------------------------------------------------------------


def test_mail_nested_beyond_any_parser_is_kept_raw_and_quarantined(deliver: Deliver) -> None:
    depth = 3000
    opening = "".join(f"Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n" for i in range(depth))
    raw = f"From: a@example.org\nSubject: deep\n{opening}Content-Type: text/plain\n\nhi\n".encode()

    delivered = deliver(raw)

    ticket, entry = delivered.ticket(), delivered.entries()[0]
    assert delivered.outcome == "quarantined"
    assert ticket.extra["quarantine"]["reason"].startswith("unparseable:")
    assert entry.extra["mail"]["raw"] == {"bucket": MAIL_BUCKET, "key": f"inbound/{delivered.ses_message_id}"}
    stored = boto3.client("s3").get_object(Bucket=MAIL_BUCKET, Key=entry.extra["mail"]["raw"]["key"])["Body"].read()
    assert stored == raw


def test_mail_over_the_size_cap_is_quarantined_unread(deliver: Deliver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAIL_MAX_BYTES", "1000")
    reset_platform()
    bind_data()

    delivered = deliver(make_mail(body="x" * 5000))

    assert delivered.outcome == "quarantined"
    assert delivered.ticket().extra["quarantine"]["reason"].startswith("too large")
    assert delivered.ticket().subject == "Cannot log in to the portal"  # from the SES notification


def test_empty_mail_becomes_ticket_from_envelope_sender(deliver: Deliver) -> None:
    delivered = deliver(b"")

    assert delivered.outcome == "created"
    assert delivered.ticket().requester_email == "budi.santoso@example.org"
    assert delivered.entries()[0].body_text == "(this mail has no text)"


def test_attachment_over_size_cap_is_listed_not_stored(deliver: Deliver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAIL_MAX_ATTACHMENT_BYTES", "100")
    reset_platform()
    bind_data()

    delivered = deliver(
        make_mail(attachments=[("small.txt", "text/plain", b"ok"), ("big.bin", "application/octet-stream", b"0" * 500)])
    )

    entry = delivered.entries()[0]
    assert [a.filename for a in entry.attachments] == ["small.txt"]
    assert entry.extra["mail"]["skipped_attachments"][0]["filename"] == "big.bin"


def test_missing_raw_object_raises_so_lambda_retries(mail_env: None, lambda_context: Any) -> None:
    event = ses_event("new_mail.json", "not-stored-yet")

    with pytest.raises(RawMailMissing):
        inbound_app.lambda_handler(event, lambda_context)


def test_mail_with_hundreds_of_attachments_stores_the_cap_and_counts_the_rest(deliver: Deliver) -> None:
    parts = [(f"part{n}.txt", "text/plain", b"x") for n in range(120)]

    delivered = deliver(make_mail(attachments=parts))

    entry = delivered.entries()[0]
    assert delivered.outcome == "created"
    assert len(entry.attachments) == 25
    assert len(entry.extra["mail"]["skipped_attachments"]) == 30
    assert entry.extra["mail"]["skipped_attachments_total"] == 95
