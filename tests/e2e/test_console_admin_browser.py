"""The console's admin pages in a real headless Chromium, on a stack of their own (their rules route every new
ticket, so they would route the shared stack's tickets too): an admin makes a group, an agent in it, a rule that
sends a subject word there, tests it against a ticket, reorders the rules, makes a macro, deletes the group while
things still refer to it by moving them, and sees a stale edit refused; a lead sees only what a lead may change."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from loket_local import demo
from loket_local.stack import LocalStack
from tests.e2e.conftest import eventually, http, start_stack

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True, scope="module")
def patient_expectations() -> Iterator[None]:
    """Each click waits on a function of the local stack, on a busy 2-core machine: allow more than Playwright's 5 s."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture(scope="module")
def stack(own_stacks: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    started = start_stack(tmp_path_factory.mktemp("admin-pages-state"))
    demo.directory(started)  # the demo's groups and agents, the development users among them
    yield started
    started.stop()


def token(stack: LocalStack, who: str = "admin") -> str:
    return stack.issuer.tokens()[who]


def api(stack: LocalStack, method: str, path: str, body: Any = None, **headers: str) -> Any:
    reply = http(stack, method, path, body, token=token(stack), headers=headers)
    assert reply.status < 300, (reply.status, reply.body)
    return reply.json() if reply.body else None


def sign_in(page: Page, stack: LocalStack, who: str, where: str) -> None:
    page.goto(f"{stack.http_url}/{where}")
    page.get_by_role("button", name=f"Sign in as development {who}").click()
    expect(page.locator("#who")).to_contain_text(who)


def flash(page: Page) -> Any:
    return page.locator("#messages .flash")


def test_admin_builds_routing_for_a_group_and_deletes_it_by_moving_what_refers_to_it(
    stack: LocalStack, page: Page
) -> None:
    suffix = uuid.uuid4().hex[:6]
    group, word, email = f"escalation-{suffix}", f"zebra{suffix}", f"nadia.{suffix}@example.com"
    first_rule = api(stack, "POST", "/v1/admin/rules", {
        "name": f"Urgent words {suffix}", "conditions": {"all": [{"field": "subject", "operator": "contains",
        "value": "urgent"}]}, "actions": {"priority": "high"}})  # fmt: skip
    sign_in(page, stack, "admin", "#/admin/groups")
    main_nav = page.get_by_role("navigation", name="Main")
    expect(page.get_by_role("heading", level=1)).to_have_text("Groups")
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    expect(main_nav.get_by_role("link", name="Groups")).to_have_attribute("aria-current", "page")

    # a group
    page.get_by_role("button", name="New group").click()
    expect(page.get_by_label("Name", exact=True)).to_be_focused()
    page.get_by_label("Name", exact=True).fill(group)
    page.get_by_label("Address").fill(f"{group}@example.com")
    page.get_by_label("Assignment mode").select_option("round_robin")
    page.get_by_role("button", name="Create group").click()
    expect(flash(page)).to_contain_text(f"Group {group} was created.")
    expect(page.locator(f'#groups-table tr[data-group="{group}"]')).to_contain_text("round robin")

    # an agent in it
    main_nav.get_by_role("link", name="Agents").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agents")
    page.get_by_role("button", name="New agent").click()
    form = page.locator("#agent-editor")  # the top bar has an availability select of its own
    form.get_by_label("Email").fill(email)
    form.get_by_label("Name", exact=True).fill("Nadia Putri")
    form.get_by_label("Role").select_option("agent")
    form.get_by_role("group", name="Groups").get_by_label(group).check()
    form.get_by_label("Availability").select_option("available")
    form.get_by_label("Capacity").fill("3")
    form.get_by_role("button", name="Create agent").click()
    expect(flash(page)).to_contain_text(f"The agent {email} was created.")
    agent = next(a for a in api(stack, "GET", "/v1/admin/agents")["items"] if a["email"] == email)
    assert (agent["groups"], agent["capacity"], agent["availability"]) == ([group], 3, "available")
    expect(page.locator(f'#agents-table tr[data-agent="{agent["id"]}"]')).to_contain_text(group)

    # a rule that sends the word's tickets to the group: last in the order
    main_nav.get_by_role("link", name="Routing rules").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Routing rules")
    page.get_by_role("button", name="New rule").click()
    rule_name = f"Zebra to {group}"
    page.get_by_label("Name", exact=True).fill(rule_name)
    expect(page.get_by_label("Field of condition 1")).to_have_value("subject")
    page.get_by_label("Comparison of condition 1").select_option("contains")
    page.get_by_label("Value of condition 1").fill(word)
    page.get_by_label("Move to group").select_option(group)
    page.get_by_label("Add tags").fill("zebra")
    page.get_by_role("button", name="Create rule").click()
    expect(flash(page)).to_contain_text(f"Rule {rule_name} was created")
    rows = page.locator("#rules-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text(rule_name)
    expect(rows.nth(1)).to_contain_text(f"group {group}")
    rule = next(r for r in api(stack, "GET", "/v1/admin/rules")["items"] if r["name"] == rule_name)
    assert rule["conditions"]["all"] == [{"field": "subject", "operator": "contains", "value": word}]
    assert rule["actions"]["group"] == group and rule["actions"]["tags_add"] == ["zebra"]

    # tested against a ticket about the word (the router places it in the group too)
    ticket = api(stack, "POST", "/v1/tickets", {"subject": f"Where is my {word}", "body": "Please look.",
                 "requester": {"email": "ani@customer.example"}})  # fmt: skip
    page.get_by_role("button", name=f"Test {rule_name}").click()
    test_form = page.locator("#rule-test")
    expect(test_form.get_by_label("Ticket")).to_be_focused()
    expect(test_form.get_by_label("Rule", exact=True)).to_have_value(rule["id"])
    test_form.get_by_label("Ticket").fill(ticket["number"])
    test_form.get_by_role("button", name="Test the rule").click()
    result = test_form.get_by_role("status")
    expect(result).to_contain_text(f"Rule {rule_name} matches {ticket['number']}.")
    expect(result).to_contain_text(f"It would set: group {group}; add tags zebra.")
    test_form.get_by_label("Rule", exact=True).select_option(first_rule["id"])
    test_form.get_by_role("button", name="Test the rule").click()
    expect(result).to_contain_text(f"does not match {ticket['number']}")
    routed = eventually(lambda: (t := api(stack, "GET", f"/v1/tickets/{ticket['id']}"))["group"] == group and t)
    assert "zebra" in routed["tags"]

    # moved up with the keyboard: the order is saved, the focus stays with the moved rule
    up = page.get_by_role("button", name=f"Move up {rule_name}")
    up.focus()
    page.keyboard.press("Enter")
    expect(flash(page)).to_contain_text(f"Rule {rule_name} is now number 1.")
    expect(rows.nth(0)).to_contain_text(rule_name)
    expect(page.get_by_role("button", name=f"Move up {rule_name}")).to_be_disabled()
    expect(page.get_by_role("button", name=f"Move down {rule_name}")).to_be_focused()
    assert [r["id"] for r in api(stack, "GET", "/v1/admin/rules")["items"]] == [rule["id"], first_rule["id"]]

    # a macro: an unknown placeholder is refused with the API's reason beside the form, then saved
    main_nav.get_by_role("link", name="Macros").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Macros")
    page.get_by_role("button", name="New macro").click()
    macro_name = f"Zebra found {suffix}"
    page.get_by_label("Name", exact=True).fill(macro_name)
    page.get_by_label("Kind").select_option("public_reply")
    page.get_by_label("Text").fill("Hi {{requester_name}}, your {{zebra}} is found ({{ticket_number}}).")
    page.get_by_label("Set status").select_option("pending")
    page.get_by_label("Add tags").fill("found")
    page.get_by_role("button", name="Create macro").click()
    refused = page.locator("#macro-editor [role=alert]")
    expect(refused).to_contain_text("unknown placeholder")
    page.get_by_label("Text").fill("Hi {{requester_name}}, your zebra is found ({{ticket_number}}).")
    page.get_by_role("button", name="Create macro").click()
    expect(flash(page)).to_contain_text(f"Macro {macro_name} was created.")
    expect(page.locator("#macros-table")).to_contain_text(macro_name)
    macro = next(m for m in api(stack, "GET", "/v1/admin/macros")["items"] if m["name"] == macro_name)
    assert macro["actions"]["status"] == "pending" and macro["actions"]["tags_add"] == ["found"]

    # the group still has a member, a rule and a ticket: the 409 names them and offers to move them
    main_nav.get_by_role("link", name="Groups").click()
    page.get_by_role("button", name=f"Delete {group}").click()
    page.get_by_role("button", name="Yes, delete").click()
    problem = page.locator(".delete-panel [role=alert]")
    expect(problem).to_contain_text("still referenced")
    expect(problem).to_contain_text(f"agent {email}")
    expect(problem).to_contain_text(f"rule '{rule_name}'")
    expect(problem).to_contain_text(f"ticket {ticket['number']}")
    expect(page.get_by_label("Move them to group")).to_be_focused()
    page.get_by_label("Move them to group").select_option("support")
    page.get_by_role("button", name="Move and delete").click()
    expect(flash(page)).to_contain_text(f"Group {group} was deleted.")
    expect(page.locator(f'#groups-table tr[data-group="{group}"]')).to_have_count(0)
    assert api(stack, "GET", f"/v1/admin/agents/{agent['id']}")["groups"] == ["support"]
    assert api(stack, "GET", f"/v1/admin/rules/{rule['id']}")["actions"]["group"] == "support"
    assert api(stack, "GET", f"/v1/tickets/{ticket['id']}")["group"] == "support"


def test_a_stale_edit_is_refused_and_the_form_reloads_with_the_other_change(stack: LocalStack, page: Page) -> None:
    sign_in(page, stack, "admin", "#/admin/groups")
    page.get_by_role("button", name="Edit billing").click()
    editor = page.locator("#group-editor")
    expect(editor.get_by_label("Name", exact=True)).to_have_attribute("readonly", "")
    billing = api(stack, "GET", "/v1/admin/groups/billing")
    behind = {"address": billing["address"], "assignment_mode": billing["assignment_mode"],
              "description": f"Changed meanwhile {uuid.uuid4().hex[:6]}"}  # fmt: skip
    if not behind["address"]:
        del behind["address"]
    api(stack, "PUT", "/v1/admin/groups/billing", behind, **{"If-Match": f'"{billing["version"]}"'})

    editor.get_by_label("Description").fill("Mine")
    editor.get_by_role("button", name="Save changes").click()
    expect(editor.get_by_role("alert")).to_contain_text("Someone else changed this since you opened it")
    expect(editor.get_by_label("Description")).to_have_value(behind["description"])
    assert api(stack, "GET", "/v1/admin/groups/billing")["description"] == behind["description"]

    editor.get_by_label("Description").fill("Invoices and refunds")
    editor.get_by_role("button", name="Save changes").click()
    expect(flash(page)).to_contain_text("Group billing was saved.")
    assert api(stack, "GET", "/v1/admin/groups/billing")["description"] == "Invoices and refunds"


def test_a_lead_sees_the_agents_of_their_groups_and_changes_only_availability_and_capacity(
    stack: LocalStack, page: Page
) -> None:
    sign_in(page, stack, "lead", "#/admin/agents")
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="Agents")).to_be_visible()
    for hidden in ("Groups", "Routing rules", "Macros"):
        expect(main_nav.get_by_role("link", name=hidden)).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agents")
    table = page.locator("#agents-table")
    expect(table).to_contain_text("rina@example.com")
    expect(table).not_to_contain_text("tono@example.com")  # technical, not the lead's group
    expect(page.get_by_role("button", name="New agent")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile(r"^(Edit|Delete) "))).to_have_count(0)

    page.get_by_role("button", name="Availability and capacity rina@example.com").click()
    editor = page.locator("#limits-editor")
    expect(editor.locator("input, select, textarea")).to_have_count(2)
    expect(editor.get_by_label("Availability")).to_be_focused()
    editor.get_by_label("Availability").select_option("away")
    editor.get_by_label("Capacity").fill("7")
    editor.get_by_role("button", name="Save changes").click()
    expect(flash(page)).to_contain_text("The agent rina@example.com was saved.")
    expect(table.locator("tr", has_text="rina@example.com")).to_contain_text("away")
    expect(page.get_by_role("button", name="Availability and capacity rina@example.com")).to_be_focused()
    rina = next(a for a in api(stack, "GET", "/v1/admin/agents")["items"] if a["email"] == "rina@example.com")
    assert (rina["availability"], rina["capacity"]) == ("away", 7)

    for page_name in ("groups", "rules", "macros"):  # an admin page typed in: not found, as for any page
        page.goto(f"{stack.http_url}/#/admin/{page_name}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
