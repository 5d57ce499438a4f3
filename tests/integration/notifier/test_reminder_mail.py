"""The customer's reminder on moto: the sweep's real `ticket.reminded`, carried by the template's Pipe and NotifierRule,
mails the requester and the ticket's CCs once per event under repeats, in the ticket's language, From the group's
address with Reply-To the ticket's plus-address; a reply to it threads into the ticket, opens it and so cancels the
auto-resolve; the reminders respect the customer mail rate limit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine

from functions.notifier.app import lambda_handler
from loket.channels.email.address import reply_address
from loket.core import directory
from loket.core import tickets as svc
from loket.core.data import tickets as repo
from loket.core.domain.directory import Group
from loket.core.domain.ticket import Channel, Priority
from loket.platform import signing
from loket.platform.aws import reset as reset_platform
from tests.integration.inbound.conftest import Deliver, deliver, mail_env, make_mail  # noqa: F401 (fixtures)
from tests.integration.notifier.conftest import Outbox, sent_mail, sqs_event
from tests.integration.sla.conftest import AGENT, CUSTOMER, START, Clocks
from tests.support import moto_transactions

DAY = dt.timedelta(days=1)
BILLING = "billing@loket.example"
REMINDED_AT = START + dt.timedelta(days=3, hours=1, minutes=1)  # pending at +1h, reminded 3 days on


@pytest.fixture
def clocks(mailer: Outbox, lambda_context: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clocks]:
    """The notifier's moto with the SLA consumer and sweep, the clock pinned at START; billing has its own address."""
    moto_transactions.install(monkeypatch)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://help.loket.example/")
    reset_platform()
    directory.save_group(Group("billing", address=BILLING))
    with time_machine.travel(START, tick=False) as traveller:
        yield Clocks(lambda_context, traveller)


def _pending(clocks: Clocks, lang: str = "id", cc: list[str] | None = None, subject: str = "Tagihan ganda") -> Any:
    """A billing web ticket from ani, set pending by an agent an hour later; the SLA consumer caught up."""
    clocks.at()
    new = svc.NewTicket(subject=subject, body_text="Saya ditagih dua kali.", requester_email=CUSTOMER.email,
                        requester_name="Ani", channel=Channel.WEB, group="billing", priority=Priority.NORMAL,
                        cc=cc or [], extra={"lang": lang})  # fmt: skip
    ticket, _ = svc.create_ticket(new, CUSTOMER)
    clocks.deliver(ticket.ticket_id)
    clocks.at(hours=1)
    svc.update_ticket(ticket.ticket_id, int(repo.get_ticket(ticket.ticket_id).version), {"status": "pending"}, AGENT)
    clocks.deliver(ticket.ticket_id)
    return ticket


def _reminded(mailer: Outbox) -> list[dict[str, Any]]:
    return [r for r in mailer.take() if r["detail-type"] == "ticket.reminded"]


def _reminders() -> list[EmailMessage]:
    return [m for m in sent_mail() if "Pengingat" in str(m["Subject"]) or "Reminder" in str(m["Subject"])]


def _text(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_the_sweeps_reminder_mails_the_requester_and_ccs_once_from_the_group_address(
    clocks: Clocks, mailer: Outbox, lambda_context: Any
) -> None:
    ticket = _pending(clocks, cc=["rudi@customer.example"])
    mailer.take()  # creation, acknowledgement, the status change: not this test's business

    clocks.at(days=3, hours=1, minutes=1)
    assert [a["automation"] for a in clocks.sweep(REMINDED_AT)["acted"]] == ["remind"]
    records = _reminded(mailer)
    assert len(records) == 1  # the template's Pipe and NotifierRule let the event through
    assert lambda_handler(sqs_event(records + records), lambda_context) == {"batchItemFailures": []}
    assert lambda_handler(sqs_event(records), lambda_context) == {"batchItemFailures": []}

    [mail] = _reminders()
    number = int(ticket.number)
    assert mail["Subject"] == f"[LKT-{number}] Pengingat: Tagihan ganda"
    assert mail["To"] == f"Ani <{CUSTOMER.email}>" and mail["Cc"] == "rudi@customer.example"
    assert mail["From"].addresses[0].addr_spec == BILLING
    assert mail["Reply-To"] == reply_address(BILLING, number)
    assert mail["Auto-Submitted"] == "auto-generated" and mail["Content-Language"] == "id"
    text = _text(mail)
    assert f"LKT-{number}" in text and "Halo Ani," in text
    resolves_at = REMINDED_AT + 4 * DAY
    assert resolves_at.strftime("%Y-%m-%d %H:%M UTC") in text
    [url] = [line.strip() for line in text.splitlines() if line.strip().startswith("https://")]
    query = parse_qs(urlsplit(url).query)
    assert urlsplit(url).path == f"/status/LKT-{number}" and signing.verify("status", ticket.ticket_id, query["t"][0])


def test_the_reminder_is_in_the_tickets_language(clocks: Clocks, mailer: Outbox, lambda_context: Any) -> None:
    ticket = _pending(clocks, lang="en")
    mailer.take()
    clocks.at(days=3, hours=1, minutes=1)
    clocks.sweep(REMINDED_AT)

    lambda_handler(sqs_event(_reminded(mailer)), lambda_context)

    [mail] = _reminders()
    assert mail["Subject"] == f"[LKT-{ticket.number}] Reminder: Tagihan ganda"
    assert mail["Content-Language"] == "en"
    assert "We are waiting for your reply on ticket" in _text(mail)


def test_a_reply_to_the_reminder_threads_into_the_ticket_and_cancels_the_auto_resolve(
    clocks: Clocks,
    mailer: Outbox,
    lambda_context: Any,
    deliver: Deliver,  # noqa: F811
) -> None:
    ticket = _pending(clocks)
    mailer.take()
    clocks.at(days=3, hours=1, minutes=1)
    clocks.sweep(REMINDED_AT)
    lambda_handler(sqs_event(_reminded(mailer)), lambda_context)
    [reminder] = _reminders()

    clocks.at(days=4)
    replied = deliver(
        make_mail(subject=f"Re: {reminder['Subject']}", sender=f"Ani <{CUSTOMER.email}>", to=str(reminder["Reply-To"]),
                  in_reply_to=str(reminder["Message-ID"]), body="Ini bukti transfernya."),
        recipients=[str(reminder["Reply-To"])],
    )  # fmt: skip
    assert replied.ticket_id == ticket.ticket_id
    assert repo.get_ticket(ticket.ticket_id).status == "open"
    assert "Ini bukti transfernya." in (replied.entries()[-1].body_text or "")

    # the automation's own check: the resolve due 4 days after the reminder is not done, before and after the SLA
    # consumer hears of the reply
    assert clocks.sweep(clocks.at(days=7, hours=1, minutes=2))["acted"] == []
    clocks.deliver(ticket.ticket_id)
    assert clocks.sweep(clocks.at(days=30))["acted"] == []
    assert repo.get_ticket(ticket.ticket_id).status == "open"


def test_reminders_respect_the_customer_mail_rate_limit(
    clocks: Clocks, mailer: Outbox, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACK_LIMIT_PER_HOUR", "2")
    reset_platform()
    for n in range(3):
        _pending(clocks, subject=f"Tagihan {n}")
    mailer.take()
    clocks.at(days=3, hours=1, minutes=1)
    assert len(clocks.sweep(REMINDED_AT)["acted"]) == 3
    records = _reminded(mailer)
    assert len(records) == 3

    assert lambda_handler(sqs_event(records), lambda_context) == {"batchItemFailures": []}

    assert len(_reminders()) == 2  # the third is consumed without mail


def test_a_ticket_that_left_pending_before_the_notifier_ran_gets_no_reminder(
    clocks: Clocks, mailer: Outbox, lambda_context: Any
) -> None:
    ticket = _pending(clocks)
    mailer.take()
    clocks.at(days=3, hours=1, minutes=1)
    clocks.sweep(REMINDED_AT)
    records = _reminded(mailer)
    svc.update_ticket(ticket.ticket_id, int(repo.get_ticket(ticket.ticket_id).version), {"status": "open"}, AGENT)

    assert lambda_handler(sqs_event(records), lambda_context) == {"batchItemFailures": []}

    assert len(records) == 1 and _reminders() == []
