"""Mail about a ticket goes out from its group's address (Reply-To its signed plus-address there), else from the
support address: through the notifier's handler on moto."""

from __future__ import annotations

from typing import Any

import pytest

from functions.notifier.app import lambda_handler
from loket.channels.email.address import ticket_number_from
from loket.core import directory, tickets
from loket.core.data import tickets as repo
from loket.core.domain.directory import Group
from loket.core.domain.ticket import Actor, Channel, EntryKind
from loket.core.tickets import NewTicket
from tests.integration.notifier.conftest import SUPPORT, Outbox, sent_mail, sqs_event

BILLING = "billing@loket.example"
CUSTOMER = Actor(kind="customer", id="ani@customer.example", email="ani@customer.example")
BUDI = Actor(kind="agent", id="agent-budi", email="budi@loket.example")


@pytest.fixture(autouse=True)
def groups(mailer: Outbox, signing_key: object) -> None:
    directory.save_group(Group("billing", address=BILLING))
    directory.save_group(Group("quiet"))  # no address
    directory.save_group(Group("elsewhere", address="help@elsewhere.example"))  # not on the support domain


def _ticket(group: str | None, cc: list[str] | None = None) -> Any:
    new = NewTicket(
        subject="Tagihan dobel",
        body_text="Tagihan saya dobel.",
        requester_email="ani@customer.example",
        requester_name="Ani Wijaya",
        channel=Channel.WEB,
        group=group,
        cc=cc or [],
    )
    ticket, _ = tickets.create_ticket(new, CUSTOMER)
    return ticket


def _run(outbox: Outbox, context: Any) -> None:
    assert lambda_handler(sqs_event(outbox.take()), context) == {"batchItemFailures": []}


def test_acknowledgement_of_a_group_ticket_comes_from_the_group_address(mailer: Outbox, lambda_context: Any) -> None:
    ticket = _ticket("billing")

    _run(mailer, lambda_context)

    [mail] = sent_mail()
    assert mail["From"] == f"Loket Support <{BILLING}>"
    assert mail["Reply-To"].startswith("billing+LKT-")
    assert ticket_number_from(mail["Reply-To"], [SUPPORT, BILLING]) == ticket.number
    assert ticket_number_from(mail["Reply-To"], SUPPORT) is None  # on the group's address, not the support one


def test_a_reply_and_the_assignment_notice_come_from_the_group_address(mailer: Outbox, lambda_context: Any) -> None:
    ticket = _ticket("billing", cc=[BILLING, "dewi@customer.example"])
    _run(mailer, lambda_context)
    tickets.add_entry(
        ticket.ticket_id, tickets.NewEntry(EntryKind.PUBLIC_REPLY, BUDI, "Sudah kami koreksi.", author_name="Budi")
    )
    fresh = repo.get_ticket(ticket.ticket_id)
    tickets.update_ticket(ticket.ticket_id, int(fresh.version), {"assignee": "agent-sari"}, BUDI)

    _run(mailer, lambda_context)

    _ack, reply, notice = sent_mail()
    assert reply["From"].addresses[0].addr_spec == BILLING
    assert ticket_number_from(reply["Reply-To"], [BILLING]) == ticket.number
    assert BILLING not in str(reply["Cc"])  # the group's own address is never mailed
    assert notice["To"] == "sari@loket.example"
    assert notice["From"] == f"Loket Support <{BILLING}>"


def test_a_group_without_an_address_off_the_domain_and_the_default_group_use_the_support_address(
    mailer: Outbox, lambda_context: Any
) -> None:
    quiet = _ticket("quiet")
    elsewhere = _ticket("elsewhere")
    default = _ticket(None)

    _run(mailer, lambda_context)

    by_number = {ticket_number_from(m["Reply-To"], SUPPORT): m for m in sent_mail()}
    assert set(by_number) == {quiet.number, elsewhere.number, default.number}
    assert {m["From"] for m in by_number.values()} == {f"Loket Support <{SUPPORT}>"}
