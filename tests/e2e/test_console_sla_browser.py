"""The ticket page's SLA panel in a real headless Chromium, on a stack of its own (the demo's directory, the built-in
24/7 policy): an urgent ticket shows its first-response clock running with its deadline; the sweep run through
`/_local/schedule/SlaSweepFunction?at=` as if the clock read two minutes past its target breaches it, and after a reload
the panel says breached (in words, not only by colour) and the audit trail tells the SLA events in
sentences, in English and in Indonesian (no English catalogue text on the Indonesian page), with no serious axe
violation in either language."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

from loket_local import demo
from loket_local.auth import DEV_USERS
from loket_local.stack import LocalStack
from tests.e2e.conftest import eventually, http, start_stack
from tests.e2e.test_console_language_browser import EN, ID, english_on_page, serious_violations

pytestmark = pytest.mark.e2e

AGENT = next(u for u in DEV_USERS if u.key == "agent")


@pytest.fixture(autouse=True, scope="module")
def patient_expectations() -> Iterator[None]:
    """Each page waits on functions of the local stack, on a busy 2-core machine: allow more than Playwright's 5 s."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture(scope="module")
def stack(own_stacks: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    started = start_stack(tmp_path_factory.mktemp("sla-console-state"))
    demo.directory(started)  # the development users in the directory
    yield started
    started.stop()


def _page(browser: Browser, locale: str, errors: list[str]) -> Page:
    page = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900}).new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def _open_ticket(page: Page, stack: LocalStack, lang: str, number: str) -> None:
    page.goto(f"{stack.http_url}/#/tickets/{number}")
    page.get_by_role("button", name=(EN if lang == "en" else ID)["signin.dev_agent"]).click()
    expect(page.locator("#sla-panel")).to_be_visible()


def _first_response(page: Page) -> Any:
    return page.locator('#sla-clocks li[data-metric="first_response"]')


def test_the_sla_panel_counts_down_then_shows_the_breach_and_the_audit_says_it_in_both_languages(
    stack: LocalStack, browser: Browser
) -> None:
    admin = stack.issuer.tokens()["admin"]
    body = {"subject": f"Portal tidak bisa dibuka {uuid.uuid4().hex[:6]}", "body": "Tidak ada yang bisa masuk.",
            "requester": {"email": "budi@example.co.id"}, "priority": "urgent", "group": "support",
            "assignee": AGENT.sub}  # fmt: skip
    created = http(stack, "POST", "/v1/tickets", body, token=admin, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert created.status == 201, created.body
    ticket = created.json()
    sla = eventually(lambda: http(stack, "GET", f"/v1/tickets/{ticket['id']}", token=admin).json()["sla"])
    first = next(c for c in sla["clocks"] if c["metric"] == "first_response")
    assert (first["state"], first["basis"]) == ("running", "business")  # the built-in policy: business time

    errors: list[str] = []
    page = _page(browser, "en-US", errors)
    _open_ticket(page, stack, "en", ticket["number"])
    clock = _first_response(page)
    expect(clock).to_have_attribute("data-state", "running")
    expect(clock).to_contain_text("First response")
    expect(clock).to_contain_text("Running")
    # business time: the deadline as a date, not a wall-clock countdown (the hours to it need not all count)
    expect(clock.locator(".sla-due")).to_contain_text("(counted in business time)")
    expect(clock.locator(".sla-due")).not_to_contain_text("due in")
    assert serious_violations(page) == []

    # the sweep as if the clock read past the target (urgent: nothing to escalate to, so no ticket change follows for
    # the consumer to re-evaluate at the real, earlier, time)
    started = dt.datetime.fromisoformat(first["started_at"].replace("Z", "+00:00"))
    at = started.replace(second=0, microsecond=0) + dt.timedelta(minutes=first["target_minutes"] + 2)
    swept = http(stack, "POST", f"/_local/schedule/SlaSweepFunction?at={quote(at.isoformat())}")
    assert swept.status == 200, swept.body
    eventually(
        lambda: any(
            a["field"] == "sla" and (a["new"] or {}).get("kind") == "breached"
            for a in http(stack, "GET", f"/v1/tickets/{ticket['id']}/audit", token=admin).json()["items"]
        )
    )

    page.reload()
    clock = _first_response(page)
    expect(clock).to_have_attribute("data-state", "breached")
    expect(clock.locator(".sla-state")).to_have_text("Breached")  # in words, not only by colour
    expect(clock.locator(".sla-due")).to_contain_text("breached at")
    audit = page.locator("#audit-table")
    expect(audit).to_contain_text("First response clock started under policy")
    expect(audit).to_contain_text("First response target breached")
    expect(audit.locator('tr[data-field="sla"]').first).to_contain_text("SLA clock")  # the system actor, by name
    expect(audit).not_to_contain_text("first_response")  # no raw keys
    assert serious_violations(page) == []

    page = _page(browser, "id-ID", errors)
    _open_ticket(page, stack, "id", ticket["number"])
    clock = _first_response(page)
    expect(clock).to_have_attribute("data-state", "breached")
    expect(clock.locator(".sla-state")).to_have_text("Terlampaui")
    expect(clock).to_contain_text("Respons pertama")
    audit = page.locator("#audit-table")
    expect(audit).to_contain_text("Sasaran Respons pertama terlampaui")
    expect(audit).not_to_contain_text("first_response")
    assert english_on_page(page) == []
    assert serious_violations(page) == []

    # a calendar-time (24/7) target counts down on the wall clock; a policy of its own, for a tag, added last (once a
    # policy is stored the built-in one no longer applies)
    policy = {"name": "Countdown", "conditions": {"tags": ["countdown"]},
              "targets": {"high": {"first_response": {"minutes": 90, "basis": "calendar"}}}}  # fmt: skip
    made = http(stack, "POST", "/v1/admin/sla-policies", policy, token=admin)
    assert made.status == 201, made.body
    timed = http(stack, "POST", "/v1/tickets", {**body, "subject": "Hitung mundur", "priority": "high", "tags": ["countdown"]},
                 token=admin, headers={"Idempotency-Key": uuid.uuid4().hex})  # fmt: skip
    assert timed.status == 201, timed.body
    eventually(lambda: http(stack, "GET", f"/v1/tickets/{timed.json()['id']}", token=admin).json()["sla"])
    page = _page(browser, "en-US", errors)
    _open_ticket(page, stack, "en", timed.json()["number"])
    clock = _first_response(page)
    expect(clock).to_have_attribute("data-state", "running")
    expect(clock.locator(".sla-due")).to_contain_text(re.compile(r"due in 1 h (29|30) min"))
    expect(clock).to_contain_text("target 1 h 30 min, around the clock")
    assert errors == [], f"the console raised JavaScript errors: {errors}"
