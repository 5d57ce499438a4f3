"""SLA notices on moto: the SLA feature's `sla.warned` / `sla.breached`, written by the real sweep and carried by the
template's Pipe and NotifierRule, mail the assignee and the group's leads, once per event under repeats."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
import time_machine

from functions.notifier.app import lambda_handler
from loket.core import directory, tickets
from loket.core.domain.directory import Agent, Group
from loket.core.domain.ticket import Actor, Channel, Priority
from loket.features.sla import sweep, tracker
from tests.integration.notifier.conftest import Outbox, sent_mail, sqs_event
from tests.support import moto_transactions

CUSTOMER = Actor(kind="customer", id="ani@customer.example", email="ani@customer.example")
START = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
LEADS = {"agent-lead": "lead@loket.example", "agent-lead2": "lead2@loket.example"}


@pytest.fixture
def sla_mailer(mailer: Outbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[Outbox]:
    """The notifier's moto with the clock pinned: agents budi and sari (from `mailer`), two leads of support, a lead of
    billing only, an agent of support; sales has nobody."""
    moto_transactions.install(monkeypatch)
    for name in ("support", "billing", "sales"):
        directory.save_group(Group(name))
    for agent_id, email in LEADS.items():
        directory.save_agent(Agent(agent_id, email, role="lead", groups=("support", "billing")))
    directory.save_agent(Agent("agent-other-lead", "other@loket.example", role="lead", groups=("billing",)))
    directory.save_agent(Agent("agent-member", "member@loket.example", role="agent", groups=("support",)))
    with time_machine.travel(START, tick=False):
        yield mailer


def _open(group: str | None = "support", assignee: str | None = None) -> Any:
    new = tickets.NewTicket(subject="Tidak bisa login", body_text="Tolong dicek.", requester_email=CUSTOMER.email,
                            channel=Channel.WEB, group=group, priority=Priority.HIGH, assignee=assignee)  # fmt: skip
    ticket, _ = tickets.create_ticket(new, CUSTOMER)
    tracker.sync(ticket.ticket_id, tracker.Rules.load(), START)  # the SLA consumer starts its clocks
    return ticket


def _sla_records(outbox: Outbox) -> list[dict[str, Any]]:
    return [r for r in outbox.take() if r["detail-type"].startswith("sla.")]


def _sla_mail() -> list[EmailMessage]:
    return [m for m in sent_mail() if "SLA" in str(m["Subject"])]


def _to(mail: EmailMessage) -> list[str]:
    return sorted(a.strip() for a in str(mail["To"]).split(","))


def test_warning_mails_the_assignee_and_breach_the_assignee_and_the_groups_leads_once_each(
    sla_mailer: Outbox, lambda_context: Any
) -> None:
    ticket = _open(assignee="agent-budi")
    sla_mailer.take()  # creation, acknowledgement and assignment: not this test's business

    sweep.run(START + dt.timedelta(minutes=45))
    warned = _sla_records(sla_mailer)
    assert [r["detail-type"] for r in warned] == ["sla.warned"]
    assert lambda_handler(sqs_event(warned + warned), lambda_context) == {"batchItemFailures": []}
    assert lambda_handler(sqs_event(warned), lambda_context) == {"batchItemFailures": []}

    [warning] = _sla_mail()
    assert _to(warning) == ["budi@loket.example"]
    assert warning["Subject"] == f"[LKT-{ticket.number}] Peringatan SLA (respons pertama): Tidak bisa login"
    assert warning["Auto-Submitted"] == "auto-generated"
    assert warning["Reply-To"] is None
    assert "2026-12-01 03:00 UTC" in warning.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    sweep.run(START + dt.timedelta(minutes=61))
    breached = _sla_records(sla_mailer)
    assert [r["detail-type"] for r in breached] == ["sla.breached"]
    assert lambda_handler(sqs_event(breached + breached), lambda_context) == {"batchItemFailures": []}

    warning_again, breach = _sla_mail()
    assert warning_again["Message-ID"] == warning["Message-ID"]
    assert _to(breach) == ["budi@loket.example", "lead2@loket.example", "lead@loket.example"]
    assert breach["Subject"] == f"[LKT-{ticket.number}] SLA terlewati (respons pertama): Tidak bisa login"
    assert "Prioritas: urgent" in breach.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_an_unassigned_tickets_warning_goes_to_the_groups_leads_only(sla_mailer: Outbox, lambda_context: Any) -> None:
    _open()
    sla_mailer.take()

    sweep.run(START + dt.timedelta(minutes=45))
    lambda_handler(sqs_event(_sla_records(sla_mailer)), lambda_context)

    [warning] = _sla_mail()
    assert _to(warning) == ["lead2@loket.example", "lead@loket.example"]


def test_no_assignee_and_no_lead_consumes_the_event_without_mail(sla_mailer: Outbox, lambda_context: Any) -> None:
    _open(group="sales")
    sla_mailer.take()

    sweep.run(START + dt.timedelta(minutes=45))
    records = _sla_records(sla_mailer)
    assert len(records) == 1

    assert lambda_handler(sqs_event(records), lambda_context) == {"batchItemFailures": []}
    assert _sla_mail() == []


def test_notices_are_in_the_default_language(
    sla_mailer: Outbox, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEFAULT_LANGUAGE", "en")
    from loket.platform.aws import reset

    reset()
    ticket = _open(assignee="agent-budi")
    sla_mailer.take()

    sweep.run(START + dt.timedelta(minutes=45))
    lambda_handler(sqs_event(_sla_records(sla_mailer)), lambda_context)

    [warning] = _sla_mail()
    assert warning["Subject"] == f"[LKT-{ticket.number}] SLA warning (first response): Tidak bisa login"
    assert warning["Content-Language"] == "en"
