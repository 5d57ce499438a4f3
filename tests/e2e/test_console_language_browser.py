"""The agent console in Indonesian and English, its keyboard shortcuts and its accessibility, in a real headless
Chromium against the local stack: axe-core (the copy axe-playwright-python ships, nothing fetched) on every page in
both languages, no English catalogue text on an Indonesian page, the language switch, and the shortcuts."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from loket_local.stack import LocalStack
from tests.e2e.conftest import http

pytestmark = pytest.mark.e2e

I18N = Path(__file__).resolve().parent.parent.parent / "frontend" / "i18n"
EN: dict[str, str] = json.loads((I18N / "en.json").read_text(encoding="utf-8"))
ID: dict[str, str] = json.loads((I18N / "id.json").read_text(encoding="utf-8"))
AXE = Axe()


@pytest.fixture(autouse=True, scope="module")
def patient_expectations() -> Iterator[None]:
    """Each click waits on a function of the local stack, on a busy 2-core machine: allow more than Playwright's 5 s."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[[str], Page]]:
    """A new page in a browser whose language is `locale` (navigator.languages follows it); no JavaScript errors."""
    contexts, errors = [], []

    def make(locale: str) -> Page:
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == [], f"the console raised JavaScript errors: {errors}"


def token(stack: LocalStack, who: str = "agent") -> str:
    return stack.issuer.tokens()[who]


def create_ticket(stack: LocalStack, subject: str, tag: str, **fields: Any) -> dict[str, Any]:
    body = {"subject": subject, "body": "Mohon bantuannya.", "requester": {"email": "sari@example.co.id", "name": "Sari"},
            "tags": [tag], **fields}  # fmt: skip
    reply = http(stack, "POST", "/v1/tickets", body, token=token(stack))
    assert reply.status == 201, reply.body
    return reply.json()


def macro(stack: LocalStack) -> str:
    """A macro to preview in the composer (its name and body are data: Indonesian here); answers its name."""
    name = f"Pengembalian dana {uuid.uuid4().hex[:6]}"
    body = {"name": name, "body": "Halo {{requester_name}}, dana untuk {{ticket_number}} sudah kami kembalikan.",
            "actions": {"status": "pending", "tags_add": ["refund"]}}  # fmt: skip
    assert http(stack, "POST", "/v1/admin/macros", body, token=token(stack, "admin")).status == 201
    return name


def bulk_assign_to_me(page: Page, lang: str) -> None:
    """Select the one ticket listed and assign it to me through the bulk form; wait for its result."""
    words = EN if lang == "en" else ID
    page.locator("#queue-table tbody input[type=checkbox]").first.check()
    page.get_by_label(words["queue.bulk.assignee"], exact=True).fill("me")
    page.get_by_role("button", name=words["queue.bulk.apply"]).click()
    expect(page.locator("#bulk-results li")).to_have_count(1)


def sign_in(page: Page, stack: LocalStack, lang: str, where: str = "#/queue") -> None:
    page.goto(f"{stack.http_url}/{where}")
    page.get_by_role("button", name=(EN if lang == "en" else ID)["signin.dev_agent"]).click()
    expect(page.locator("#who .who-name")).to_be_visible()


def serious_violations(page: Page) -> list[str]:
    results = AXE.run(page).response
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


SHOWN_TEXT = """() => {
  const texts = [document.title, document.body.innerText];
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt], option')) {
    for (const name of ['aria-label', 'title', 'placeholder', 'alt']) if (el.getAttribute(name)) texts.push(el.getAttribute(name));
    if (el.tagName === 'OPTION') texts.push(el.textContent);
  }
  return texts.join('\\n');
}"""


def english_on_page(page: Page) -> list[str]:
    """English catalogue texts (those the Indonesian catalogue says differently) that the page shows, in its text,
    its accessible names, tooltips, placeholders and options; addresses and the signed-in name are data."""
    shown = page.evaluate(SHOWN_TEXT)
    shown = re.sub(r"\S+@\S+", " ", shown)
    who = page.locator("#who .who-name")
    if who.count():
        shown = shown.replace(who.inner_text(), " ")
    found = []
    for key, english in EN.items():
        if english == ID[key]:
            continue
        for chunk in re.split(r"\{\w+\}", english):
            words = chunk.strip(" .,:;()")
            if len(re.findall(r"[A-Za-z]", words)) >= 3 and re.search(rf"(?<!\w){re.escape(words)}(?!\w)", shown):
                found.append(f"{key}: {words!r}")
    return found


# The admin pages: address, what shows once the page has loaded, the button that opens its editor (catalogue key).
ADMIN_PAGES = (
    ("groups", "#groups-table", "admin.groups.new"),
    ("agents", "#agents-table", "admin.agents.new"),
    ("rules", "#rule-test", "admin.rules.new"),
    ("macros", "#macros-table", "admin.macros.new"),
)


def admin_pages(page: Page, stack: LocalStack, lang: str, check: Callable[[Page], list[str]]) -> dict[str, list[str]]:
    """Sign in as the development admin and run `check` on each admin page with its editor open."""
    words = EN if lang == "en" else ID
    page.goto(f"{stack.http_url}/#/admin/groups")
    page.get_by_role("button", name=words["signin.dev_admin"]).click()
    found = {}
    for name, loaded, opener in ADMIN_PAGES:
        page.goto(f"{stack.http_url}/#/admin/{name}")
        expect(page.locator(loaded)).to_be_visible()
        page.get_by_role("button", name=words[opener]).click()
        expect(page.locator(".admin-editor").last).to_be_visible()
        found[f"admin {name}"] = check(page)
    return found


def test_no_page_has_a_serious_accessibility_violation_in_either_language(
    dev_directory: LocalStack, open_page: Callable[[str], Page]
) -> None:
    local_stack = dev_directory  # the directory: availability, group views and the admin pages show
    tag = f"a11y{uuid.uuid4().hex[:6]}"
    ticket = create_ticket(local_stack, "Printer kantor macet", tag)
    macro_name = macro(local_stack)
    for lang, locale in (("en", "en-US"), ("id", "id-ID")):
        page = open_page(locale)
        page.goto(f"{local_stack.http_url}/")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.get_by_role("heading", level=1)).to_have_text((EN if lang == "en" else ID)["signin.title"])
        seen = {"sign-in": serious_violations(page)}

        sign_in(page, local_stack, lang, where=f"#/queue?tag={tag}")
        expect(page.locator("#queue-table tbody tr")).to_have_count(1)
        expect(page.locator("#availability")).to_be_visible()
        seen["queue"] = serious_violations(page)
        bulk_assign_to_me(page, lang)
        seen["queue, bulk results"] = serious_violations(page)

        page.goto(f"{local_stack.http_url}/#/queue?view=unassigned")
        expect(page.locator(".views [aria-current=page]")).to_be_visible()
        seen["unassigned view"] = serious_violations(page)

        page.goto(f"{local_stack.http_url}/#/queue?q={ticket['number']}")
        expect(page.locator("#queue-table tbody tr")).to_have_count(1)
        seen["search"] = serious_violations(page)

        page.goto(f"{local_stack.http_url}/#/tickets/{ticket['number']}")
        expect(page.locator(".entry-customer_message")).to_be_visible()
        seen["ticket"] = serious_violations(page)
        page.locator("#macro-pick").select_option(label=macro_name)
        expect(page.locator("#macro-preview")).to_contain_text(ticket["number"])
        seen["ticket, macro preview"] = serious_violations(page)

        page.goto(f"{local_stack.http_url}/#/new")
        expect(page.locator("#new-subject")).to_be_visible()
        seen["new ticket"] = serious_violations(page)

        page.goto(f"{local_stack.http_url}/#/quarantine")
        expect(page.locator("#quarantine-table")).to_be_visible()
        seen["quarantine"] = serious_violations(page)

        page.keyboard.press("?")
        expect(page.get_by_role("dialog")).to_be_visible()
        seen["shortcut list"] = serious_violations(page)
        seen.update(admin_pages(open_page(locale), local_stack, lang, serious_violations))
        assert {name: found for name, found in seen.items() if found} == {}, lang


def test_in_indonesian_no_page_shows_a_string_of_the_english_catalogue(
    dev_directory: LocalStack, open_page: Callable[[str], Page]
) -> None:
    local_stack = dev_directory  # the directory: availability, group views and the admin pages show
    macro_name = macro(local_stack)
    tag = f"bahasa{uuid.uuid4().hex[:6]}"
    ticket = create_ticket(local_stack, "Tagihan bulan ini dobel", tag, custom_fields={"nomor_pesanan": "A-77"})
    changed = http(local_stack, "PATCH", f"/v1/tickets/{ticket['id']}", {"priority": "high", "status": "open"},
                   token=token(local_stack), headers={"If-Match": f'"{ticket["version"]}"'})  # fmt: skip
    assert changed.status == 200, changed.body
    noted = http(local_stack, "POST", f"/v1/tickets/{ticket['id']}/notes", {"body": "Cek dulu ke bagian keuangan."},
                 token=token(local_stack))  # fmt: skip
    assert noted.status == 201, noted.body
    page = open_page("id-ID")

    page.goto(f"{local_stack.http_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk ke Loket")
    shown = {"sign-in": english_on_page(page)}

    sign_in(page, local_stack, "id", where=f"#/queue?tag={tag}")
    expect(page.locator("#queue-table tbody tr")).to_have_count(1)
    expect(page.locator("#queue-table tbody")).to_contain_text("terbuka")  # the status, in Indonesian
    expect(page.locator("#availability")).to_have_value("available")
    shown["queue"] = english_on_page(page)
    bulk_assign_to_me(page, "id")
    expect(page.locator("#bulk-results")).to_contain_text("diubah")
    shown["queue, bulk results"] = english_on_page(page)

    page.get_by_role("navigation", name="Tampilan antrean").get_by_role("link", name="Belum ditugaskan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tiket yang belum ditugaskan")
    page.locator("#queue-table tbody").evaluate("rows => rows.replaceChildren()")  # other tests' tickets: data
    shown["unassigned view"] = english_on_page(page)

    page.get_by_role("searchbox", name="Cari tiket").fill("dobel")
    page.get_by_role("searchbox", name="Cari tiket").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pencarian")
    expect(page.locator("#queue-table caption")).to_contain_text("Tiket yang cocok dengan “dobel”")
    page.locator("#queue-table tbody").evaluate("rows => rows.replaceChildren()")  # other tests' tickets: data
    shown["search"] = english_on_page(page)

    page.goto(f"{local_stack.http_url}/#/queue?tag={tag}")
    page.get_by_role("link", name="Tagihan bulan ini dobel").click()
    expect(page.locator(".entry-internal_note")).to_contain_text("Catatan internal")
    expect(page.locator("#audit-table")).to_contain_text("prioritas")
    expect(page.locator("#audit-table")).to_contain_text("Dibuat melalui API")  # the creation entry, in words
    page.get_by_label("Makro", exact=True).select_option(label=macro_name)
    expect(page.locator("#macro-preview")).to_contain_text("Balasan publik, dikirim ke pemohon")
    shown["ticket"] = english_on_page(page)

    page.get_by_role("navigation", name="Utama").get_by_role("link", name="Tiket baru").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tiket baru")
    page.get_by_role("button", name="Buat tiket").click()  # the API's own messages are data; the box is ours
    expect(page.locator("form [role=alert]")).to_be_visible()
    page.get_by_role("alert").evaluate("box => box.remove()")
    page.locator(".field-error").evaluate_all("errors => errors.forEach((e) => e.remove())")
    shown["new ticket"] = english_on_page(page)

    page.get_by_role("link", name="Karantina").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Karantina")
    page.locator("#quarantine-table tbody").evaluate("rows => rows.replaceChildren()")  # mail of other tests: data
    shown["quarantine"] = english_on_page(page)

    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Pintasan keyboard")).to_be_visible()
    shown["shortcut list"] = english_on_page(page)
    shown.update(admin_pages(open_page("id-ID"), local_stack, "id", english_on_page))
    assert {name: found for name, found in shown.items() if found} == {}


def test_the_language_follows_the_browser_can_be_switched_and_is_remembered(
    local_stack: LocalStack, open_page: Callable[[str], Page]
) -> None:
    tag = f"tanggal{uuid.uuid4().hex[:6]}"
    create_ticket(local_stack, "Tanggal dalam bahasa Indonesia", tag)
    page = open_page("en-US")
    page.goto(f"{local_stack.http_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Loket")

    page.get_by_label("Language").select_option(label="Bahasa Indonesia")
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk ke Loket")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_label("Bahasa", exact=True)).to_be_focused()
    assert page.title() == "Masuk ke Loket · Konsol Loket"
    assert page.evaluate("localStorage.getItem('loket.lang')") == "id"

    page.reload()  # remembered over the browser's English
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk ke Loket")
    sign_in(page, local_stack, "id", where=f"#/queue?tag={tag}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Antrean")
    page.get_by_label("Bahasa", exact=True).select_option("en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Queue")
    expect(page.locator("#who")).to_contain_text("Sign out")

    # an Indonesian browser starts in Indonesian, with dates written the Indonesian way
    fresh = open_page("id-ID")
    sign_in(fresh, local_stack, "id", where=f"#/queue?tag={tag}")
    expect(fresh.locator("html")).to_have_attribute("lang", "id")
    created = fresh.locator("#queue-table tbody tr time")
    expect(created).to_have_count(1)
    written = created.inner_text()
    expected = created.evaluate(
        "el => ['id-ID', 'en-US'].map((l) => new Intl.DateTimeFormat(l, {dateStyle: 'medium', timeStyle: 'short'})"
        ".format(new Date(el.getAttribute('datetime'))))"
    )
    assert written == expected[0] != expected[1]


def test_keyboard_shortcuts_are_listed_by_question_mark_and_work_but_not_while_typing(
    local_stack: LocalStack, open_page: Callable[[str], Page]
) -> None:
    tag = f"keys{uuid.uuid4().hex[:6]}"
    tickets = [create_ticket(local_stack, f"Shortcut {n}", tag) for n in ("one", "two")]
    claims = local_stack.issuer.verify(token(local_stack))
    assert claims is not None
    agent_id = claims["sub"]
    page = open_page("en-US")
    sign_in(page, local_stack, "en", where=f"#/queue?tag={tag}")
    rows = page.locator("#queue-table tbody tr")
    expect(rows).to_have_count(2)
    listed = [rows.nth(i).get_attribute("data-ticket") for i in range(2)]
    first, second = (next(t for t in tickets if t["number"] == number) for number in listed)

    # ? opens the list: a modal dialog that holds the focus until Escape gives it back
    page.get_by_role("heading", level=1).focus()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    expect(dialog).to_contain_text("Assign the ticket to me")
    for _ in range(3):
        page.keyboard.press("Tab")
        assert dialog.evaluate("d => d.contains(document.activeElement)")
    page.keyboard.press("j")  # no shortcut while the list is open
    expect(rows.first).not_to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_be_focused()

    # j/k move through the queue, o opens
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("k")
    expect(rows.first).to_have_class(re.compile(r"\bcurrent\b"))
    expect(rows.first.get_by_role("link", name=first["number"])).to_be_focused()
    page.keyboard.press("o")
    expect(page.get_by_role("heading", level=1)).to_contain_text(first["number"])

    # r goes to the reply; what is typed there stays text
    page.keyboard.press("r")
    reply = page.get_by_role("textbox", name="Public reply")
    expect(reply).to_be_focused()
    page.keyboard.type("g q a")
    expect(reply).to_have_value("g q a")
    expect(page.get_by_role("heading", level=1)).to_contain_text(first["number"])

    # a assigns the ticket to me (PATCH with If-Match), n goes to the note
    page.get_by_role("heading", level=1).focus()
    page.keyboard.press("a")
    expect(page.locator(".flash")).to_contain_text(f"{first['number']} is now assigned to you")
    saved = http(local_stack, "GET", f"/v1/tickets/{first['id']}", token=token(local_stack)).json()
    assert saved["assignee"] == agent_id
    page.keyboard.press("n")
    expect(page.get_by_role("textbox", name="Internal note")).to_be_focused()

    # g q back to the queue, / to its filters, c to a new ticket
    page.locator("body").click(position={"x": 5, "y": 890})
    page.keyboard.press("g")
    page.keyboard.press("q")
    expect(page.get_by_role("heading", level=1)).to_have_text("Queue")
    page.keyboard.press("/")
    expect(page.get_by_role("searchbox", name="Search tickets")).to_be_focused()
    expect(page.get_by_role("searchbox", name="Search tickets")).to_have_value("")
    page.get_by_role("heading", level=1).focus()
    page.keyboard.press("c")
    expect(page.get_by_role("heading", level=1)).to_have_text("New ticket")
    assert http(local_stack, "GET", f"/v1/tickets/{second['id']}", token=token(local_stack)).json()["assignee"] is None
