"""The web form and status page in a real headless Chromium, served by the local stack over real HTTP.

JavaScript is switched off in the page: everything a customer does here must work without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from loket_local.stack import LocalStack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(local_stack: LocalStack) -> str:
    """The gateway URL of the local stack (tests/e2e/conftest.py starts it in this process)."""
    return local_stack.http_url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


def test_form_in_browser_keyboard_reaches_every_field_in_order_and_skips_the_honeypot(stack: str, page: Page) -> None:
    page.goto(f"{stack}/form?lang=en")
    page.get_by_label("Your name").focus()
    for label in ("Email address", "Subject", "Category", "Message", "Attachments"):
        page.keyboard.press("Tab")
        expect(page.get_by_label(label)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send")).to_be_focused()


def test_form_in_browser_errors_then_ticket_then_status_page_reply_without_javascript(
    stack: str, page: Page, tmp_path: Path
) -> None:
    p = page
    p.goto(f"{stack}/form?lang=en")
    expect(p.locator("html")).to_have_attribute("lang", "en")

    # sent with a bad email: the same page comes back with the error summary and what was typed
    p.get_by_label("Your name").fill("Dewi <Lestari>")
    p.get_by_label("Email address").fill("dewi@@example")
    p.get_by_role("button", name="Send").click()
    expect(p.get_by_role("alert")).to_contain_text("There is a problem")
    expect(p.get_by_role("link", name="Enter an email address like name@example.com.")).to_have_attribute(
        "href", "#f-email"
    )
    expect(p.get_by_label("Your name")).to_have_value("Dewi <Lestari>")
    expect(p.get_by_label("Email address")).to_have_attribute("aria-invalid", "true")

    # corrected and sent with an attachment: a confirmation with the number and the status link
    screenshot = tmp_path / "layar.txt"
    screenshot.write_text("error 42 at login\n")
    p.get_by_label("Email address").fill("dewi@example.com")
    p.get_by_label("Subject").fill("Login fails")
    p.get_by_label("Category").select_option("account")
    p.get_by_label("Message").fill("Since yesterday I cannot log in.\nPlease help.")
    p.get_by_label("Attachments").set_input_files(str(screenshot))
    p.get_by_role("button", name="Send").click()
    expect(p.get_by_role("heading", level=1)).to_have_text("Thank you, we received your request")
    number = p.locator("main strong").inner_text()
    assert number.startswith("Your ticket number is LKT-")

    # the status page: the conversation, the attachment, and a reply box that works without JavaScript
    p.get_by_role("link", name="Follow your ticket and reply on its status page").click()
    ticket = number.removeprefix("Your ticket number is ").rstrip(".")
    expect(p.get_by_role("heading", level=1)).to_have_text(f"Ticket {ticket}")
    expect(p.locator("article.entry")).to_have_count(1)
    expect(p.locator("article.entry .body")).to_have_text("Since yesterday I cannot log in.\nPlease help.")
    expect(p.get_by_role("link", name="layar.txt")).to_be_visible()
    p.get_by_label("Your reply").fill("Also: the error code is 42.")
    p.get_by_role("button", name="Send reply").click()
    expect(p.get_by_role("status")).to_have_text("Your reply was added.")
    expect(p.locator("article.entry")).to_have_count(2)
    expect(p.locator("article.entry .body").nth(1)).to_have_text("Also: the error code is 42.")

    # the other language keeps the token
    p.get_by_role("link", name="Bahasa Indonesia").click()
    expect(p.locator("html")).to_have_attribute("lang", "id")
    expect(p.get_by_role("heading", level=2).first).to_have_text("Percakapan")


def test_status_page_in_browser_with_a_wrong_token_shows_not_found(stack: str, page: Page) -> None:
    response = page.goto(f"{stack}/status/LKT-1?t=aaaaaaaaaaaaaaaa&lang=en")

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
