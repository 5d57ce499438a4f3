"""The notifier on moto: which events make mail, what the mail says, and exactly one mail per event."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from functions.notifier import app
from functions.notifier.app import lambda_handler
from loket.channels.email.address import ticket_number_from
from loket.core import events, tickets
from loket.core.data import keys
from loket.core.data import tickets as repo
from loket.core.domain.ticket import Actor, AttachmentRef, Channel, EntryKind
from loket.core.tickets import NewTicket
from loket.platform import attachments as storage
from loket.platform import signing
from loket.platform.aws import reset as reset_platform
from loket_local.template import table_create_args
from tests.conftest import load_event
from tests.integration.notifier.conftest import IDEMPOTENCY_TABLE, SUPPORT, Outbox, sent_mail, sqs_event

CUSTOMER = Actor(kind="customer", id="ani@customer.example", email="ani@customer.example")
BUDI = Actor(kind="agent", id="agent-budi", email="budi@loket.example")
SARI = Actor(kind="agent", id="agent-sari", email="sari@loket.example")


def _web_ticket(**overrides: Any) -> Any:
    new = NewTicket(
        subject="Tagihan bulan Desember",
        body_text="Tagihan saya dobel.",
        requester_email="ani@customer.example",
        requester_name="Ani Wijaya",
        channel=Channel.WEB,
    )
    for name, value in overrides.items():
        setattr(new, name, value)
    ticket, _created = tickets.create_ticket(new, CUSTOMER)
    return ticket


def _run(outbox: Outbox, lambda_context: Any, records: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    event = sqs_event(outbox.take() if records is None else records)
    return lambda_handler(event, lambda_context)


def test_web_ticket_created_sends_one_acknowledgement_to_requester(mailer: Outbox, lambda_context: Any) -> None:
    ticket = _web_ticket()

    result = _run(mailer, lambda_context)

    assert result == {"batchItemFailures": []}
    [mail] = sent_mail()
    assert mail["To"] == "Ani Wijaya <ani@customer.example>"
    assert mail["From"] == f"Loket Support <{SUPPORT}>"
    assert mail["Subject"] == f"[LKT-{ticket.number}] Diterima: Tagihan bulan Desember"
    assert mail["Auto-Submitted"] == "auto-replied"
    assert ticket_number_from(mail["Reply-To"], SUPPORT) == ticket.number
    assert "Halo Ani Wijaya," in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert repo.find_lookup(keys.message_id_pk(mail["Message-ID"])) == ticket.ticket_id


def test_ticket_with_english_language_gets_english_acknowledgement(mailer: Outbox, lambda_context: Any) -> None:
    ticket = _web_ticket(extra={"lang": "en-GB"})

    _run(mailer, lambda_context)

    [mail] = sent_mail()
    assert mail["Subject"] == f"[LKT-{ticket.number}] Received: Tagihan bulan Desember"
    assert mail["Content-Language"] == "en"
    assert "Thank you for contacting us" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_every_event_delivered_twice_yields_one_mail(mailer: Outbox, lambda_context: Any) -> None:
    ticket = _web_ticket(cc=["dewi@customer.example"])
    tickets.add_entry(
        ticket.ticket_id, tickets.NewEntry(EntryKind.PUBLIC_REPLY, BUDI, "Sudah kami koreksi.", author_name="Budi")
    )
    fresh = repo.get_ticket(ticket.ticket_id)
    tickets.update_ticket(ticket.ticket_id, int(fresh.version), {"assignee": "agent-sari"}, BUDI)
    records = mailer.take()
    assert len(records) == 3

    first = _run(mailer, lambda_context, records)
    again = _run(mailer, lambda_context, records)  # SQS delivers the whole batch a second time
    twice_in_one_batch = _run(mailer, lambda_context, records + records)

    assert first == again == twice_in_one_batch == {"batchItemFailures": []}
    mails = sent_mail()
    assert len(mails) == 3
    assert len({m["Message-ID"] for m in mails}) == 3
    assert sorted(m["To"] for m in mails) == [
        "Ani Wijaya <ani@customer.example>",
        "Ani Wijaya <ani@customer.example>",
        "sari@loket.example",
    ]


def test_bad_record_is_reported_alone_and_the_others_are_sent(mailer: Outbox, lambda_context: Any) -> None:
    _web_ticket()
    _web_ticket(requester_email="joko@customer.example", requester_name="Joko")
    good = mailer.take()
    event = sqs_event([good[0], "{not json", good[1]])

    result = lambda_handler(event, lambda_context)

    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert sorted(m["To"] for m in sent_mail()) == ["Ani Wijaya <ani@customer.example>", "Joko <joko@customer.example>"]


def test_public_reply_goes_to_requester_and_cc_threaded_on_earlier_messages(
    mailer: Outbox, lambda_context: Any
) -> None:
    ticket = _web_ticket(channel=Channel.EMAIL, message_id="<first@customer.example>", cc=["dewi@customer.example"])
    tickets.add_entry(
        ticket.ticket_id,
        tickets.NewEntry(EntryKind.CUSTOMER_MESSAGE, CUSTOMER, "Ada kabar?", message_id="<second@customer.example>"),
    )
    reply = tickets.add_entry(
        ticket.ticket_id, tickets.NewEntry(EntryKind.PUBLIC_REPLY, BUDI, "Sudah kami koreksi.", author_name="Budi")
    )

    _run(mailer, lambda_context)

    ack, mail = sent_mail()
    assert ack["In-Reply-To"] == "<first@customer.example>"
    assert mail["To"] == "Ani Wijaya <ani@customer.example>"
    assert mail["Cc"] == "dewi@customer.example"
    [sender] = mail["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Budi (Loket Support)", SUPPORT)
    assert mail["Subject"] == f"[LKT-{ticket.number}] Re: Tagihan bulan Desember"
    assert mail["In-Reply-To"] == "<second@customer.example>"
    assert mail["References"] == "<first@customer.example> <second@customer.example>"
    assert mail["Auto-Submitted"] is None
    assert mail.get_body(("plain",)).get_content().startswith("Sudah kami koreksi.")  # type: ignore[union-attr]
    stamped = next(e for e in repo.list_entries(ticket.ticket_id) if e.entry_id == reply.entry.entry_id)
    assert stamped.message_id == mail["Message-ID"]
    assert repo.find_lookup(keys.message_id_pk(mail["Message-ID"])) == ticket.ticket_id


def test_second_reply_references_the_first_reply(mailer: Outbox, lambda_context: Any) -> None:
    ticket = _web_ticket()
    tickets.add_entry(ticket.ticket_id, tickets.NewEntry(EntryKind.PUBLIC_REPLY, BUDI, "Satu."))
    _run(mailer, lambda_context)
    tickets.add_entry(ticket.ticket_id, tickets.NewEntry(EntryKind.PUBLIC_REPLY, BUDI, "Dua."))

    _run(mailer, lambda_context)

    _ack, first, second = sent_mail()
    assert second["In-Reply-To"] == first["Message-ID"]
    assert second["References"] == first["Message-ID"]


def test_internal_notes_and_customer_messages_send_no_mail(mailer: Outbox, lambda_context: Any) -> None:
    ticket = _web_ticket()
    _run(mailer, lambda_context)
    tickets.add_entry(ticket.ticket_id, tickets.NewEntry(EntryKind.INTERNAL_NOTE, BUDI, "Cek tagihan di sistem."))
    tickets.add_entry(ticket.ticket_id, tickets.NewEntry(EntryKind.CUSTOMER_MESSAGE, CUSTOMER, "Halo?"))

    result = _run(mailer, lambda_context)

    assert result == {"batchItemFailures": []}
    assert len(sent_mail()) == 1  # the acknowledgement only
    # events that the payload alone rules out take no idempotency lock (no writes)
    assert boto3.client("dynamodb").scan(TableName=IDEMPOTENCY_TABLE, Select="COUNT")["Count"] == 1


def test_automatic_quarantined_and_agent_opened_tickets_get_no_acknowledgement(
    mailer: Outbox, lambda_context: Any
) -> None:
    _web_ticket(channel=Channel.EMAIL, automatic=True, subject="Out of office")
    _web_ticket(channel=Channel.EMAIL, quarantine_reason="spam verdict FAIL")
    tickets.create_ticket(
        NewTicket(
            subject="Telepon", body_text="Catatan telepon.", requester_email="ani@customer.example", channel=Channel.API
        ),
        BUDI,
    )

    result = _run(mailer, lambda_context)

    assert result == {"batchItemFailures": []}
    assert sent_mail() == []


def test_assignment_notice_only_for_a_known_agent_assigned_by_someone_else(mailer: Outbox, lambda_context: Any) -> None:
    ticket = _web_ticket()
    _run(mailer, lambda_context)
    version = int(repo.get_ticket(ticket.ticket_id).version)
    tickets.update_ticket(ticket.ticket_id, version, {"assignee": "agent-unknown"}, BUDI)  # not in the directory
    tickets.update_ticket(ticket.ticket_id, version + 1, {"assignee": "agent-budi"}, BUDI)  # assigns himself
    tickets.update_ticket(ticket.ticket_id, version + 2, {"assignee": "agent-sari"}, BUDI)

    result = _run(mailer, lambda_context)

    assert result == {"batchItemFailures": []}
    _ack, notice = sent_mail()
    assert notice["To"] == "sari@loket.example"
    assert notice["Subject"] == f"[LKT-{ticket.number}] Ditugaskan kepada Anda: Tagihan bulan Desember"
    assert notice["Auto-Submitted"] == "auto-generated"
    assert notice["Reply-To"] is None


def test_header_injection_in_subject_and_name_adds_no_header_or_recipient(mailer: Outbox, lambda_context: Any) -> None:
    _web_ticket(
        subject="Tolong\r\nBcc: evil@attacker.example",
        requester_name="Ani\nBcc: evil2@attacker.example\r\nX-Evil: yes",
    )

    result = _run(mailer, lambda_context)

    assert result == {"batchItemFailures": []}
    [mail] = sent_mail()
    assert mail["Bcc"] is None and mail["X-Evil"] is None
    assert "\n" not in mail["Subject"] and mail["Subject"].endswith("Tolong Bcc: evil@attacker.example")
    assert [a.addr_spec for a in mail["To"].addresses] == ["ani@customer.example"]
    raw = mail.as_bytes()
    assert b"\nBcc:" not in raw and b"\nX-Evil:" not in raw


def test_ses_rejection_fails_the_record_and_the_retry_sends_once(
    notifier_env: None, aws: None, lambda_context: Any
) -> None:
    boto3.client("dynamodb").create_table(**table_create_args("IdempotencyTable", IDEMPOTENCY_TABLE))
    outbox = Outbox()
    _web_ticket()
    records = outbox.take()
    event = sqs_event(records)

    refused = lambda_handler(event, lambda_context)  # the sending domain is not verified yet: MessageRejected
    boto3.client("ses").verify_domain_identity(Domain=SUPPORT.split("@")[1])
    retried = lambda_handler(event, lambda_context)
    repeated = lambda_handler(event, lambda_context)

    assert refused == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert retried == repeated == {"batchItemFailures": []}
    assert len(sent_mail()) == 1


def test_event_for_a_ticket_that_does_not_exist_is_consumed_without_mail(mailer: Outbox, lambda_context: Any) -> None:
    event = load_event("notifier/ticket_created.json")

    result = lambda_handler(event, lambda_context)

    assert result == {"batchItemFailures": []}
    assert sent_mail() == []


def test_batch_of_only_bad_records_reports_every_one(mailer: Outbox, lambda_context: Any) -> None:
    event = sqs_event(["", "[]", json.dumps({"eventName": "INSERT", "dynamodb": {}})])

    result = lambda_handler(event, lambda_context)

    assert result == {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}


def test_copy_arriving_while_the_first_is_in_progress_is_retried_later_not_sent(
    mailer: Outbox, lambda_context: Any
) -> None:

    _web_ticket()
    records = mailer.take()
    event = sqs_event(records)
    # another invocation holds the lock on this event (it took the first copy and is sending right now)
    first_copy = events.parse(json.loads(event["Records"][0]["body"])["detail"])
    other = DynamoDBPersistenceLayer(table_name=IDEMPOTENCY_TABLE)
    other.configure(app.idempotency_config(), key_prefix=app.IDEMPOTENCY_KEY_PREFIX)
    other.save_inprogress(data=first_copy.model_dump(mode="json"), remaining_time_in_millis=60_000)

    result = lambda_handler(event, lambda_context)

    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert sent_mail() == []


def test_acknowledgement_links_the_signed_status_page_when_the_public_url_is_set(
    mailer: Outbox, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://help.loket.example/")
    reset_platform()
    ticket = _web_ticket(extra={"lang": "en"})

    _run(mailer, lambda_context)

    [mail] = sent_mail()
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    [url] = [line.strip() for line in text.splitlines() if line.strip().startswith("https://")]
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("help.loket.example", f"/status/LKT-{ticket.number}")
    query = parse_qs(parts.query)
    assert query["lang"] == ["en"]
    assert signing.verify("status", ticket.ticket_id, query["t"][0])


def test_released_quarantined_ticket_gets_one_acknowledgement(mailer: Outbox, lambda_context: Any) -> None:
    ticket = _web_ticket(channel=Channel.EMAIL, quarantine_reason="spam verdict FAIL")
    held = _web_ticket(channel=Channel.EMAIL, quarantine_reason="spam verdict FAIL", automatic=True, subject="Auto")
    tickets.release(ticket.ticket_id, BUDI)  # released before the notifier saw the creation: one ack, not two
    tickets.release(held.ticket_id, BUDI)
    records = mailer.take()

    first = _run(mailer, lambda_context, records)
    again = _run(mailer, lambda_context, records)

    assert first == again == {"batchItemFailures": []}
    [mail] = sent_mail()
    assert mail["To"] == "Ani Wijaya <ani@customer.example>"
    assert mail["Subject"] == f"[LKT-{ticket.number}] Diterima: Tagihan bulan Desember"
    assert mail["Auto-Submitted"] == "auto-replied"


@pytest.mark.usefixtures("one_rate_window")
def test_acknowledgements_to_one_requester_stop_at_the_hourly_limit(
    mailer: Outbox, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACK_LIMIT_PER_HOUR", "2")
    reset_platform()
    for n in range(3):
        _web_ticket(subject=f"Pertanyaan {n}")
    _web_ticket(requester_email="joko@customer.example", requester_name="Joko")

    result = _run(mailer, lambda_context)

    assert result == {"batchItemFailures": []}
    assert sorted(m["To"] for m in sent_mail()) == [
        "Ani Wijaya <ani@customer.example>",
        "Ani Wijaya <ani@customer.example>",
        "Joko <joko@customer.example>",
    ]


@pytest.fixture
def attachments_bucket(mailer: Outbox, monkeypatch: pytest.MonkeyPatch) -> Any:
    boto3.client("s3").create_bucket(Bucket="loket-test-attachments")
    monkeypatch.setenv("ATTACHMENTS_BUCKET", "loket-test-attachments")
    reset_platform()
    yield
    reset_platform()


def test_the_files_of_a_public_reply_go_out_attached(
    mailer: Outbox, attachments_bucket: None, lambda_context: Any
) -> None:
    ticket = _web_ticket()
    storage.put("agent/u1/panduan.pdf", b"%PDF-1.4 panduan", "application/pdf")
    storage.put("agent/u2/harga.csv", b"produk;harga\nkopi;25.000\n", "text/csv")
    files = [
        AttachmentRef("agent/u1/panduan.pdf", "panduan reset sandi.pdf", "application/pdf", 16),
        AttachmentRef("agent/u2/harga.csv", "daftar harga é.csv", "text/csv", 25),
    ]
    tickets.add_entry(
        ticket.ticket_id, tickets.NewEntry(EntryKind.PUBLIC_REPLY, BUDI, "Panduan terlampir.", attachments=files)
    )

    _run(mailer, lambda_context)

    _ack, mail = sent_mail()
    assert mail.get_content_type() == "multipart/mixed"
    assert mail.get_body(("plain",)).get_content().startswith("Panduan terlampir.")  # type: ignore[union-attr]
    parts = [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True)) for p in mail.iter_attachments()]
    assert parts == [
        ("panduan reset sandi.pdf", "application/pdf", b"%PDF-1.4 panduan"),
        ("daftar harga é.csv", "text/csv", b"produk;harga\nkopi;25.000\n"),
    ]


def test_a_reply_whose_file_is_gone_from_the_bucket_still_goes_without_it(
    mailer: Outbox, attachments_bucket: None, lambda_context: Any
) -> None:
    ticket = _web_ticket()
    gone = AttachmentRef("agent/u9/deleted.pdf", "deleted.pdf", "application/pdf", 10)
    tickets.add_entry(
        ticket.ticket_id, tickets.NewEntry(EntryKind.PUBLIC_REPLY, BUDI, "Terlampir.", attachments=[gone])
    )

    result = _run(mailer, lambda_context)

    assert result == {"batchItemFailures": []}
    _ack, mail = sent_mail()
    assert list(mail.iter_attachments()) == []
    assert mail.get_body(("plain",)).get_content().startswith("Terlampir.")  # type: ignore[union-attr]
