"""The notifier on moto: which events make mail, what the mail says, and exactly one mail per event."""

from __future__ import annotations

from typing import Any

from loket.data import keys
from loket.data import tickets as repo
from loket.domain.ticket import Actor, Channel, EntryKind
from loket.mail.address import ticket_number_from
from loket.services import tickets
from loket.services.tickets import NewTicket

from functions.notifier.app import lambda_handler
from tests.integration.notifier.conftest import SUPPORT, Outbox, sent_mail, sqs_event

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
    tickets.add_entry(ticket.ticket_id, EntryKind.PUBLIC_REPLY, BUDI, "Sudah kami koreksi.", author_name="Budi")
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
