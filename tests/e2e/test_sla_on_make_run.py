"""SLA on the local stack as `make run` starts it (the demo's directory, the built-in 24/7 policy): a high-priority
ticket assigned to the development agent, the sweep run through `/_local/schedule/SlaSweepFunction?at=` as if the
clock read +45 and then +61 minutes, gives one warning mail to the assignee, then one breach and one escalation;
running the sweep again adds nothing (ticket -> stream -> Pipe -> bus -> SlaRule -> SLA consumer; sweep -> outbox ->
bus -> NotifierRule -> notifier -> the local SMTP outbox)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from loket_local import demo
from loket_local.auth import DEV_USERS
from loket_local.stack import LocalStack
from tests.e2e.conftest import eventually, http, start_stack

pytestmark = pytest.mark.e2e

AGENT = next(u for u in DEV_USERS if u.key == "agent")


@pytest.fixture(scope="module")
def sla_stack(own_stacks: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    stack = start_stack(tmp_path_factory.mktemp("sla-state"))
    demo.directory(stack)  # the development users in the directory (their addresses for notices)
    yield stack
    stack.stop()


def _sweep(stack: LocalStack, at: dt.datetime) -> dict[str, Any]:
    reply = http(stack, "POST", f"/_local/schedule/SlaSweepFunction?at={quote(at.isoformat())}")
    assert reply.status == 200, reply.body
    result: dict[str, Any] = reply.json()["result"]
    return result


def _sla_mails(stack: LocalStack, number: str) -> list[dict[str, Any]]:
    mails = http(stack, "GET", "/_local/outbox.json").json()
    return [m for m in mails if f"[{number}]" in m["subject"] and "SLA" in m["subject"]]


def _sla_audit(stack: LocalStack, token: str, ticket_id: str) -> list[tuple[str, str]]:
    items = http(stack, "GET", f"/v1/tickets/{ticket_id}/audit", token=token).json()["items"]
    return [(a["new"]["kind"], a["new"]["metric"]) for a in items if a["field"] == "sla" and "kind" in (a["new"] or {})]


def test_a_high_ticket_warns_its_assignee_at_45_then_breaches_and_escalates_once_at_61(sla_stack: LocalStack) -> None:
    admin = sla_stack.issuer.tokens()["admin"]
    subject = f"Portal down {uuid.uuid4().hex[:6]}"
    body = {"subject": subject, "body": "Nobody can sign in.", "requester": {"email": "budi@example.co.id"},
            "priority": "high", "group": "support", "assignee": AGENT.sub}  # fmt: skip
    created = http(sla_stack, "POST", "/v1/tickets", body, token=admin, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert created.status == 201, created.body
    ticket = created.json()
    path = f"/v1/tickets/{ticket['id']}"

    # the SLA consumer has seen the ticket: its first-response clock runs, due in 60 minutes of the 24/7 calendar
    sla = eventually(lambda: http(sla_stack, "GET", path, token=admin).json()["sla"])
    first = next(c for c in sla["clocks"] if c["metric"] == "first_response")
    assert (first["state"], first["target_minutes"]) == ("running", 60)
    started = dt.datetime.fromisoformat(first["started_at"].replace("Z", "+00:00"))
    # schedules fire on whole minutes (the scheduled time has no fraction): the first tick at or after the start
    start = started.replace(second=0, microsecond=0) + dt.timedelta(
        minutes=1 if started.second or started.microsecond else 0
    )

    warned = _sweep(sla_stack, start + dt.timedelta(minutes=45))
    assert [a["recorded"] for a in warned["acted"] if a["ticket_id"] == ticket["id"]] == [["first_response:0:warned"]]
    [warning] = eventually(lambda: _sla_mails(sla_stack, ticket["number"]))
    assert AGENT.email in " ".join(warning["to"])
    assert "first response" in warning["subject"] or "respons pertama" in warning["subject"]

    breached = _sweep(sla_stack, start + dt.timedelta(minutes=61))
    [acted] = [a for a in breached["acted"] if a["ticket_id"] == ticket["id"]]
    assert (acted["recorded"], acted["escalated_to"]) == (["first_response:0:breached"], "urgent")
    assert http(sla_stack, "GET", path, token=admin).json()["priority"] == "urgent"
    mails = eventually(lambda: m if len(m := _sla_mails(sla_stack, ticket["number"])) == 2 else None)
    assert sorted(AGENT.email in " ".join(m["to"]) for m in mails) == [True, True]

    again = _sweep(sla_stack, start + dt.timedelta(minutes=61))
    assert [a for a in again["acted"] if a["ticket_id"] == ticket["id"]] == []
    audit = _sla_audit(sla_stack, admin, ticket["id"])
    assert audit.count(("warned", "first_response")) == 1
    assert audit.count(("breached", "first_response")) == 1
    escalations = [a for a in http(sla_stack, "GET", f"{path}/audit", token=admin).json()["items"]
                   if a["field"] == "priority" and a["new"] == "urgent"]  # fmt: skip
    assert len(escalations) == 1
    final = http(sla_stack, "GET", path, token=admin).json()
    assert (final["priority"], len(_sla_mails(sla_stack, ticket["number"]))) == ("urgent", 2)
