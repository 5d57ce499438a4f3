"""The console's routing pages in a real headless Chromium: queue views, bulk assign and move with each ticket's
result, search, the availability toggle, macros in the composer and the audit trail saying why a ticket was routed.

One stack of this module's own, with the demo's directory and one routing rule of its own (the shared stack's rules
change with other modules), so which tickets each view lists and where the router puts a ticket is known.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from loket_local import demo
from loket_local.stack import LocalStack
from tests.e2e.conftest import eventually, http, start_stack
from tests.e2e.test_console_language_browser import ID, english_on_page

pytestmark = pytest.mark.e2e

RULE = f"Invoices {uuid.uuid4().hex[:4]}"
MACRO = f"Refund {uuid.uuid4().hex[:4]}"


@pytest.fixture(autouse=True, scope="module")
def patient_expectations() -> Iterator[None]:
    """Each click waits on a function of the local stack, on a busy 2-core machine: allow more than Playwright's 5 s."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture(scope="module")
def stack(own_stacks: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The demo's groups and agents (support: manual, billing: round robin), a rule that sends invoices to billing and
    a macro; no demo tickets."""
    stack = start_stack(tmp_path_factory.mktemp("console-routing"))
    demo.directory(stack)
    admin = token(stack, "admin")
    rule = {"name": RULE, "conditions": {"any": [{"field": "subject", "operator": "contains", "value": "invoice"}]},
            "actions": {"group": "billing", "tags_add": ["invoice"]}}  # fmt: skip
    assert http(stack, "POST", "/v1/admin/rules", rule, token=admin).status == 201
    macro = {"name": MACRO, "kind": "public_reply", "actions": {"status": "pending", "tags_add": ["refund"]},
             "body": "Hi {{requester_name}}, the refund for {{ticket_number}} is on its way.\n{{agent_name}}"}  # fmt: skip
    assert http(stack, "POST", "/v1/admin/macros", macro, token=admin).status == 201
    yield stack
    stack.stop()


def token(stack: LocalStack, who: str = "agent") -> str:
    return stack.issuer.tokens()[who]


def agent_id(stack: LocalStack, who: str = "agent") -> str:
    claims = stack.issuer.verify(token(stack, who))
    assert claims is not None
    return str(claims["sub"])


def create(stack: LocalStack, subject: str, **fields: Any) -> dict[str, Any]:
    body = {"subject": subject, "body": "Please help.", "requester": {"email": "sari@example.com", "name": "Sari"},
            "group": "support", **fields}  # fmt: skip
    body = {k: v for k, v in body.items() if v is not None}  # group=None: the default group, for the rules
    reply = http(stack, "POST", "/v1/tickets", body, token=token(stack))
    assert reply.status == 201, reply.body
    return reply.json()


def get(stack: LocalStack, ticket: dict[str, Any]) -> dict[str, Any]:
    return http(stack, "GET", f"/v1/tickets/{ticket['id']}", token=token(stack, "admin")).json()


def patch(stack: LocalStack, ticket: dict[str, Any], **fields: Any) -> dict[str, Any]:
    current = get(stack, ticket)
    reply = http(stack, "PATCH", f"/v1/tickets/{ticket['id']}", fields, token=token(stack, "admin"),
                 headers={"If-Match": f'"{current["version"]}"'})  # fmt: skip
    assert reply.status == 200, reply.body
    return reply.json()


def sign_in(page: Page, stack: LocalStack, where: str, who: str = "agent") -> None:
    page.goto(f"{stack.http_url}/{where}")
    page.get_by_role("button", name=f"Sign in as development {who}").click()
    expect(page.locator("#who .who-name")).to_be_visible()


def row(page: Page, ticket: dict[str, Any]) -> Any:
    return page.locator(f'#queue-table tbody tr[data-ticket="{ticket["number"]}"]')


def test_queue_views_switch_keep_their_place_in_the_address_and_list_the_right_tickets(
    stack: LocalStack, page: Page
) -> None:
    waiting = create(stack, f"Waiting {uuid.uuid4().hex[:6]}")
    mine = create(stack, f"Mine {uuid.uuid4().hex[:6]}", assignee=agent_id(stack))
    patch(stack, mine, status="open")
    sign_in(page, stack, "#/queue")
    views = page.get_by_role("navigation", name="Queue views")

    views.get_by_role("link", name="Unassigned").click()
    expect(page).to_have_url(re.compile(r"#/queue\?view=unassigned$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Unassigned tickets")
    expect(row(page, waiting)).to_have_count(1)
    expect(row(page, mine)).to_have_count(0)
    page.reload()  # the view is in the address: a reload keeps it
    expect(views.get_by_role("link", name="Unassigned")).to_have_attribute("aria-current", "page")
    expect(row(page, waiting)).to_have_count(1)

    views.get_by_role("link", name="Assigned to me").click()
    expect(page).to_have_url(re.compile(r"view=mine"))
    expect(row(page, mine)).to_have_count(1)
    expect(row(page, waiting)).to_have_count(0)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="My tickets")).to_have_attribute(
        "aria-current", "page"
    )

    # each of my groups is a view (the development agent is in support and technical); by status within it
    views.get_by_role("link", name="Group support").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Group support")
    expect(row(page, waiting)).to_have_count(1)
    expect(row(page, mine)).to_have_count(1)
    expect(views.get_by_role("link", name="Group technical")).to_be_visible()
    page.get_by_label("Status").select_option("open")  # `mine` is open, `waiting` new
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"view=group&group=support&status=open"))
    expect(row(page, mine)).to_have_count(1)
    expect(row(page, waiting)).to_have_count(0)
    expect(page.locator("#queue-table caption")).to_have_text("Tickets of group support, with status open")


def test_bulk_assigns_and_moves_the_selected_tickets_and_says_which_failed_and_why(
    stack: LocalStack, page: Page
) -> None:
    tag = f"bulk{uuid.uuid4().hex[:6]}"
    first, second, done = (create(stack, f"Bulk {n} {tag}", tags=[tag]) for n in ("one", "two", "three"))
    patch(stack, done, status="resolved")
    patch(stack, done, status="closed")
    sign_in(page, stack, f"#/queue?tag={tag}")
    expect(page.locator("#queue-table tbody tr")).to_have_count(3)

    page.get_by_label("Select every ticket shown").check()
    expect(page.locator("#bulk-count")).to_have_text("3 tickets selected")
    page.get_by_label("Assign to").fill("me")
    page.get_by_role("button", name="Apply to the selected tickets").click()
    results = page.locator("#bulk-results")
    expect(results.locator(f'li[data-ticket="{first["number"]}"]')).to_have_text(f"{first['number']}: changed")
    expect(results.locator(f'li[data-ticket="{second["number"]}"]')).to_have_text(f"{second['number']}: changed")
    failed = results.locator(f'li[data-ticket="{done["number"]}"]')
    expect(failed).to_contain_text(f"{done['number']}: not allowed in its status (")
    expect(failed).to_have_attribute("data-outcome", "invalid_transition")
    expect(page.get_by_role("alert")).to_have_text("2 changed, 0 unchanged, 1 failed.")
    assert get(stack, first)["assignee"] == get(stack, second)["assignee"] == agent_id(stack)
    assert get(stack, done)["assignee"] is None

    # the list was read again; one ticket moves to another group
    expect(row(page, first)).to_contain_text("agent@example.com")
    row(page, first).get_by_label(f"Select {first['number']}").check()
    expect(page.locator("#bulk-count")).to_have_text("1 ticket selected")
    page.get_by_label("Move to group").fill("billing")
    page.get_by_label("Assign to").fill("")
    page.get_by_role("button", name="Apply to the selected tickets").click()
    expect(results.locator("li")).to_have_count(1)
    expect(results.locator("li")).to_have_text(f"{first['number']}: changed")
    expect(page.get_by_role("status").filter(has_text="1 changed, 0 unchanged, 0 failed.")).to_be_visible()
    assert get(stack, first)["group"] == "billing"

    # nothing selected: said in the form, nothing sent
    page.get_by_role("button", name="Apply to the selected tickets").click()
    expect(page.locator("#bulk-form [role=alert]")).to_have_text("Select at least one ticket first.")


def test_search_finds_a_ticket_by_word_and_by_number_and_slash_goes_to_the_box(stack: LocalStack, page: Page) -> None:
    word = f"kangaroo{uuid.uuid4().hex[:6]}"
    found = create(stack, f"Printer {word} jams")
    other = create(stack, f"Printer {uuid.uuid4().hex[:6]} jams")
    sign_in(page, stack, "#/queue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Queue")  # the queue's page, not the sign-in's
    page.get_by_role("heading", level=1).focus()
    page.keyboard.press("/")  # the list may still be loading: the focus stays where `/` put it
    box = page.get_by_role("searchbox", name="Search tickets")
    expect(box).to_be_focused()
    box.fill(word.upper())
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"#/queue\?q={word.upper()}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    expect(page.locator("#queue-table tbody tr")).to_have_count(1)
    expect(row(page, found)).to_contain_text(f"Printer {word} jams")

    box = page.get_by_role("searchbox", name="Search tickets")
    box.fill(other["number"])
    box.press("Enter")
    expect(page.locator("#queue-table tbody tr")).to_have_count(1)
    expect(row(page, other)).to_have_count(1)
    page.reload()
    expect(page.get_by_role("searchbox", name="Search tickets")).to_have_value(other["number"])
    expect(row(page, other)).to_have_count(1)

    box = page.get_by_role("searchbox", name="Search tickets")
    box.fill(f"nothing{uuid.uuid4().hex[:6]}")
    box.press("Enter")
    expect(page.locator(".pager [role=status]")).to_contain_text("No ticket matches")
    page.get_by_role("link", name="Clear search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Queue")


def test_availability_toggle_shows_the_current_value_and_persists_over_a_reload(stack: LocalStack, page: Page) -> None:
    sign_in(page, stack, "#/queue", who="lead")
    picker = page.get_by_label("Availability")
    expect(picker).to_have_value("available")
    picker.select_option("away")
    expect(page.locator(".flash")).to_have_text("You are now away.")
    lead = agent_id(stack, "lead")
    listed = http(stack, "GET", "/v1/agents", token=token(stack)).json()["items"]
    assert next(a for a in listed if a["id"] == lead)["availability"] == "away"
    page.reload()
    expect(page.get_by_label("Availability")).to_have_value("away")
    page.get_by_label("Availability").select_option("available")
    expect(page.locator(".flash")).to_have_text("You are now available.")
    listed = http(stack, "GET", "/v1/agents", token=token(stack)).json()["items"]
    assert next(a for a in listed if a["id"] == lead)["availability"] == "available"


def test_a_macro_from_the_composer_is_previewed_then_applied_as_one_change_with_one_audit_entry(
    stack: LocalStack, page: Page
) -> None:
    ticket = create(stack, f"Charged twice {uuid.uuid4().hex[:6]}")
    sign_in(page, stack, f"#/tickets/{ticket['number']}")
    page.get_by_label("Macro", exact=True).select_option(label=MACRO)
    preview = page.locator("#macro-preview")
    expect(preview).to_contain_text(f"Hi Sari, the refund for {ticket['number']} is on its way.")
    expect(preview).to_contain_text("Dev Agent")
    expect(preview).to_contain_text("Public reply, mailed to the requester")
    expect(preview).to_contain_text("Then sets status: pending, adds tags refund")
    before = len(changes_by_people(stack, ticket))

    page.get_by_role("button", name="Apply macro").click()
    expect(page.locator(".flash")).to_have_text(f"Macro “{MACRO}” was applied to {ticket['number']}.")
    expect(page.locator(".entry-public_reply")).to_contain_text(f"Hi Sari, the refund for {ticket['number']}")
    expect(page.locator("#audit-table tr[data-field=macro]")).to_contain_text(f"Macro “{MACRO}” applied")
    expect(page.locator("#audit-table tr[data-field=macro]")).to_contain_text("status: new → pending")
    audit = changes_by_people(stack, ticket)
    assert len(audit) == before + 1
    assert audit[-1]["field"] == "macro" and audit[-1]["new"]["name"] == MACRO
    saved = get(stack, ticket)
    assert saved["status"] == "pending" and "refund" in saved["tags"]


def changes_by_people(stack: LocalStack, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    """The ticket's audit entries but the SLA clock's (its consumer writes them as the ticket changes, on its own)."""
    audit = http(stack, "GET", f"/v1/tickets/{ticket['id']}/audit", token=token(stack)).json()["items"]
    return [entry for entry in audit if entry["actor"]["id"] != "sla"]


def routed(stack: LocalStack, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    """The ticket's routing entries once the router both applied the rule and assigned it from the queue."""
    items = http(stack, "GET", f"/v1/tickets/{ticket['id']}/audit", token=token(stack, "admin")).json()["items"]
    entries = [a for a in items if a["field"] == "routing"]
    return entries if len(entries) == 2 else []


def test_a_routed_ticket_says_why_in_english_and_in_indonesian(
    stack: LocalStack, browser: Browser, tmp_path: Path
) -> None:
    ticket = create(stack, f"Invoice {uuid.uuid4().hex[:6]} is wrong", group=None)
    rules, queue = eventually(lambda: routed(stack, ticket))
    assert rules["new"]["name"] == RULE and queue["new"]["mode"] == "round_robin"
    assignee = http(stack, "GET", "/v1/agents", token=token(stack)).json()["items"]
    email = next(a["email"] for a in assignee if a["id"] == queue["new"]["agent"])

    errors: list[str] = []
    for locale, by_rule, by_queue in (
        ("en-US", f"Routed to billing by rule “{RULE}”; changed group: support → billing",
         f"Assigned to {email} from the queue of group billing (round robin)"),
        ("id-ID", f"Disalurkan ke billing oleh aturan “{RULE}”; mengubah grup: support → billing",
         f"Ditugaskan ke {email} dari antrean grup billing (bergiliran)"),
    ):  # fmt: skip
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.on("pageerror", lambda error, lang=locale: errors.append(f"{lang}: {error}"))
        # the admin: the ticket left the development agent's groups (billing is not one of them)
        button = "Sign in as development admin" if locale == "en-US" else ID["signin.dev_admin"]
        page.goto(f"{stack.http_url}/#/tickets/{ticket['number']}")
        page.get_by_role("button", name=button).click()
        rows = page.locator("#audit-table tr[data-field=routing]")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text(by_rule)
        expect(rows.nth(1)).to_contain_text(by_queue)
        if locale == "id-ID":  # the field is named in the language, never by its key
            expect(rows.first.locator("td").nth(2)).to_have_text("penyaluran")
            expect(page.locator("#audit-table")).not_to_contain_text("routing")
            assert english_on_page(page) == []
        page.screenshot(path=str(tmp_path / f"routed-{locale}.png"), full_page=True)
        context.close()
    assert errors == [], errors
