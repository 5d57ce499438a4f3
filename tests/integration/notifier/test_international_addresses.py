"""The notifier on moto with internationalized customer addresses (RFC 6531).

SES sends to 7-bit ASCII addresses only: a non-ASCII domain goes out in its IDNA (Punycode) form, a non-ASCII
local part cannot be sent to at all. Such a mail is skipped with the reason (logged, in the event's idempotent
result), never retried until the record lands in the DLQ, and the rest of the mail still goes."""

from __future__ import annotations

import json
from typing import Any

import boto3

from functions.notifier.app import lambda_handler
from loket.core import tickets
from loket.core.domain.ticket import Actor, Channel, EntryKind
from loket.core.tickets import NewTicket
from tests.integration.notifier.conftest import IDEMPOTENCY_TABLE, Outbox, sent_mail, sqs_event

BUDI = Actor(kind="agent", id="agent-budi", email="budi@loket.example")


def _ticket(requester: str, cc: list[str] | None = None) -> Any:
    new = NewTicket(
        subject="Pesanan belum sampai",
        body_text="Sudah seminggu.",
        requester_email=requester,
        requester_name="Dewi Lestari",
        channel=Channel.EMAIL,
        cc=cc or [],
    )
    ticket, _created = tickets.create_ticket(new, Actor(kind="customer", id=requester, email=requester))
    return ticket


def _results() -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=IDEMPOTENCY_TABLE)["Items"]
    return [json.loads(i["data"]["S"]) for i in items if i["status"]["S"] == "COMPLETED" and "data" in i]


def test_requester_with_non_ascii_domain_is_acknowledged_at_the_idna_address(
    mailer: Outbox, lambda_context: Any
) -> None:
    _ticket("dewi@bücher.example")

    result = lambda_handler(sqs_event(mailer.take()), lambda_context)

    assert result == {"batchItemFailures": []}
    [mail] = sent_mail()
    assert [a.addr_spec for a in mail["To"].addresses] == ["dewi@xn--bcher-kva.example"]
    assert mail["To"].addresses[0].display_name == "Dewi Lestari"


def test_requester_with_non_ascii_local_part_gets_no_acknowledgement_and_the_reason_is_kept(
    mailer: Outbox, lambda_context: Any
) -> None:
    ticket = _ticket("josé@example.com")

    result = lambda_handler(sqs_event(mailer.take()), lambda_context)

    assert result == {"batchItemFailures": []}  # consumed: no retries, no DLQ
    assert sent_mail() == []
    [done] = _results()
    assert done["sent"] is False and done["ticket_id"] == ticket.ticket_id
    assert "non-ASCII" in done["reason"] and "SMTPUTF8" in done["reason"]


def test_public_reply_leaves_out_a_cc_with_non_ascii_local_part_and_reaches_the_others(
    mailer: Outbox, lambda_context: Any
) -> None:
    ticket = _ticket("dewi@customer.example", cc=["josé@example.com", "budi@bücher.example"])
    lambda_handler(sqs_event(mailer.take()), lambda_context)  # the acknowledgement
    tickets.add_entry(
        ticket.ticket_id, tickets.NewEntry(EntryKind.PUBLIC_REPLY, BUDI, "Sudah kami kirim.", author_name="Budi")
    )

    result = lambda_handler(sqs_event(mailer.take()), lambda_context)

    assert result == {"batchItemFailures": []}
    _ack, reply = sent_mail()
    assert [a.addr_spec for a in reply["To"].addresses] == ["dewi@customer.example"]
    assert [a.addr_spec for a in reply["Cc"].addresses] == ["budi@xn--bcher-kva.example"]
