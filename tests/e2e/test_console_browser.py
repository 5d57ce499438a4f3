"""The agent console (frontend/) in a real headless Chromium, served by the local stack over real HTTP.

Agents sign in with the local stack's development tokens, as `make run` offers them; every change goes through
the agent API of the same stack.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import smtplib
import uuid
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from loket_local.auth import DEV_USERS
from loket_local.stack import LocalStack
from tests.e2e.conftest import eventually, http

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True, scope="module")
def patient_expectations() -> Iterator[None]:
    """Each click waits on a function of the local stack, on a busy 2-core machine: allow more than Playwright's 5 s."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


def token(stack: LocalStack, who: str = "agent") -> str:
    return stack.issuer.tokens()[who]


def unique(word: str) -> str:
    return f"{word} {uuid.uuid4().hex[:8]}"


def create_ticket(stack: LocalStack, subject: str, email: str = "sari@example.com", **fields: Any) -> dict[str, Any]:
    reply = http(
        stack,
        "POST",
        "/v1/tickets",
        {"subject": subject, "body": "Please help.", "requester": {"email": email, "name": "Sari"}, **fields},
        token=token(stack),
    )
    assert reply.status == 201, reply.body
    return reply.json()


def mail_in(stack: LocalStack, message: EmailMessage) -> None:
    """Send `message` to the support address through the stack's SMTP port, as any mail client would."""
    message["To"] = next(r for rule in stack.receipt.rules for r in rule.recipients if "@" in r)
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as smtp:
        smtp.send_message(message)


def ticket_listed(stack: LocalStack, query: str, subject: str) -> dict[str, Any]:
    """The ticket with `subject` once GET /v1/tickets?<query> lists it (mail becomes a ticket asynchronously)."""

    def listed() -> list[dict[str, Any]]:
        page = http(stack, "GET", f"/v1/tickets?{query}&limit=100", token=token(stack)).json()["items"]
        return [t for t in page if t["subject"] == subject]

    return eventually(listed)[0]


def mail_sent(stack: LocalStack, about: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The first mail in the local outbox that `about` picks, once the notifier has sent it."""
    return eventually(lambda: next((m for m in http(stack, "GET", "/_local/outbox.json").json() if about(m)), None))


def sign_in(page: Page, stack: LocalStack, who: str = "agent", where: str = "#/queue") -> None:
    page.goto(f"{stack.http_url}/{where}")
    page.get_by_role("button", name=f"Sign in as development {who}").click()
    expect(page.locator("#who")).to_contain_text(who)


def test_console_signed_out_shows_sign_in_and_a_refused_token_returns_there_with_a_message(
    local_stack: LocalStack, page: Page
) -> None:
    page.goto(f"{local_stack.http_url}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Sign in to Loket")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()

    # not a JWT at all: refused in the page
    page.get_by_label("ID token (JWT)").fill("not-a-token")
    page.get_by_role("button", name="Sign in with this token").click()
    expect(page.get_by_role("alert")).to_contain_text("That is not an ID token")

    # a JWT with a forged signature: the API answers 401 and the console goes back to sign-in with the reason
    header, claims, signature = token(local_stack).split(".")
    forged = ".".join([header, claims, signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]])
    page.get_by_label("ID token (JWT)").fill(forged)
    page.get_by_role("button", name="Sign in with this token").click()
    expect(page.get_by_role("alert")).to_contain_text("Please sign in again")
    expect(page.get_by_role("heading", name="Sign in to Loket")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('loket.idToken')") is None


def test_console_agent_creates_ticket_finds_it_in_queue_replies_notes_edits_and_sees_audit(
    local_stack: LocalStack, page: Page, tmp_path: Path
) -> None:
    email = f"budi.{uuid.uuid4().hex[:6]}@example.com"
    subject = unique("Printer on fire")
    sign_in(page, local_stack)
    stored = page.evaluate("sessionStorage.getItem('loket.idToken')")
    assert local_stack.issuer.verify(stored)["email"] == "agent@example.com"

    # create on the customer's behalf; a double click still makes one ticket (one Idempotency-Key per form)
    page.get_by_role("link", name="New ticket").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Name", exact=True).fill("Budi")
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("Message").fill("Hello,\n<b>not bold</b> <script>window.injected = 1</script> help!")
    page.get_by_role("button", name="Create ticket").dblclick()
    expect(page.locator(".flash")).to_contain_text("was created")
    expect(page.get_by_role("heading", level=1)).to_contain_text(subject)
    listed = http(local_stack, "GET", f"/v1/tickets?requester={email}", token=token(local_stack)).json()["items"]
    assert [t["subject"] for t in listed] == [subject]
    number = listed[0]["number"]

    # ticket text is shown as text, never as markup
    body = page.locator(".entry-customer_message .entry-body")
    expect(body).to_contain_text("<b>not bold</b> <script>window.injected = 1</script>")
    expect(page.locator(".entry-body b, .entry-body script")).to_have_count(0)
    assert page.evaluate("window.injected") is None

    # the queue, filtered by requester through the form, lists it; the subject opens it
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Queue").click()
    page.get_by_label("Requester email").fill(email)
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"#/queue\?requester="))
    row = page.locator("#queue-table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(number)
    row.get_by_role("link", name=subject).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)

    # a public reply that also sets the status, then an internal note
    page.get_by_role("textbox", name="Public reply").fill("We are sending a technician.")
    page.get_by_label("and set status").select_option("pending")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".flash")).to_contain_text("Your reply was sent")
    expect(page.locator(".entry-public_reply")).to_contain_text("We are sending a technician.")
    expect(page.locator(".ticket-head .badges")).to_contain_text("pending")

    page.get_by_role("textbox", name="Internal note").fill("Customer is a VIP, call first.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".flash")).to_contain_text("Your note was added")
    note = page.locator(".entry-internal_note")
    expect(note).to_contain_text("Customer is a VIP, call first.")
    expect(note).to_contain_text("Internal note")

    # field edits go out as PATCH with If-Match
    page.get_by_label("Priority").select_option("high")
    page.get_by_label("Tags").fill("vip, printer")
    page.get_by_label("Custom fields").fill("order_id = A-1001")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash")).to_contain_text(f"{number} was saved")
    expect(page.locator(".ticket-head .badges")).to_contain_text("high")
    expect(page.locator(".facts")).to_contain_text("A-1001")

    audit = page.locator("#audit-table")
    for field, new in (("status", "pending"), ("priority", "high"), ("tags", "vip, printer")):
        expect(audit.locator("tr", has_text=field).filter(has_text=new).first).to_be_visible()
    saved = http(local_stack, "GET", f"/v1/tickets/{number}", token=token(local_stack)).json()
    assert (saved["status"], saved["priority"], saved["tags"]) == ("pending", "high", ["vip", "printer"])
    assert saved["custom_fields"] == {"order_id": "A-1001"}

    shot = tmp_path / "ticket-view.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG")


def test_console_stale_edit_shows_conflict_message_and_reloads_the_ticket(local_stack: LocalStack, page: Page) -> None:
    ticket = create_ticket(local_stack, unique("Stale edit"))
    sign_in(page, local_stack, where=f"#/tickets/{ticket['number']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket["number"])

    # someone else changes the ticket after this page read it
    other = http(
        local_stack,
        "PATCH",
        f"/v1/tickets/{ticket['id']}",
        {"priority": "urgent"},
        token=token(local_stack, "admin"),
        headers={"If-Match": f'"{ticket["version"]}"'},
    )
    assert other.status == 200, other.body

    page.get_by_label("Status", exact=True).select_option("open")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#edit-form [role=alert]")).to_contain_text("Someone else changed this ticket")
    expect(page.get_by_label("Priority")).to_have_value("urgent")
    expect(page.get_by_label("Status", exact=True)).to_have_value("new")
    assert http(local_stack, "GET", f"/v1/tickets/{ticket['id']}", token=token(local_stack)).json()["status"] == "new"

    # made again on the fresh version, it goes through
    page.get_by_label("Status", exact=True).select_option("open")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash")).to_contain_text("was saved")
    assert http(local_stack, "GET", f"/v1/tickets/{ticket['id']}", token=token(local_stack)).json()["status"] == "open"


def test_console_assignee_is_shown_by_email_and_offered_from_the_agent_directory(
    dev_directory: LocalStack, page: Page
) -> None:
    local_stack = dev_directory
    ticket = create_ticket(local_stack, unique("Assign to admin"))
    admin_id = local_stack.issuer.verify(token(local_stack, "admin"))["sub"]
    sign_in(page, local_stack, where=f"#/tickets/{ticket['number']}")
    expect(page.locator(f'#edit-assignee-options option[value="{admin_id}"]')).to_have_text("admin@example.com")

    page.get_by_label("Assignee").fill(admin_id)
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash")).to_contain_text(f"{ticket['number']} was saved")
    facts = page.locator(".facts")
    expect(facts).to_contain_text("admin@example.com")
    expect(facts).not_to_contain_text(admin_id)
    saved = http(local_stack, "GET", f"/v1/tickets/{ticket['id']}", token=token(local_stack)).json()
    assert saved["assignee"] == admin_id

    page.goto(f"{local_stack.http_url}/#/queue?assignee={admin_id}")
    expect(page.locator(f'#queue-table tr[data-ticket="{ticket["number"]}"]')).to_contain_text("admin@example.com")


def test_console_merge_is_refused_for_an_agent_and_done_by_an_admin(local_stack: LocalStack, page: Page) -> None:
    source = create_ticket(local_stack, unique("Duplicate"))
    target = create_ticket(local_stack, unique("Original"))

    sign_in(page, local_stack, where=f"#/tickets/{source['number']}")
    page.get_by_label("Merge this ticket into").fill(target["number"])
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.locator("#merge-form [role=alert]")).to_contain_text("needs the role admin")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Loket")).to_be_visible()
    page.get_by_role("button", name="Sign in as development admin").click()
    expect(page.locator("#who")).to_contain_text("admin")
    expect(page.get_by_role("heading", level=1)).to_contain_text(source["number"])
    page.get_by_label("Merge this ticket into").fill(target["number"])
    page.get_by_role("button", name="Merge", exact=True).click()

    expect(page.locator(".flash")).to_contain_text(f"{source['number']} was merged into {target['number']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(target["number"])
    expect(page.locator(".entry-system")).to_contain_text(f"{source['number']} was merged into this ticket")
    merged = http(local_stack, "GET", f"/v1/tickets/{source['id']}", token=token(local_stack)).json()
    assert merged["merged_into"] == target["id"]

    page.goto(f"{local_stack.http_url}/#/tickets/{source['number']}")
    expect(page.locator(".ticket-head .alert")).to_contain_text(f"Merged into {target['number']}")


def test_console_new_ticket_with_bad_input_shows_the_api_messages_next_to_the_fields(
    local_stack: LocalStack, page: Page
) -> None:
    sign_in(page, local_stack, where="#/new")
    expect(page.get_by_role("heading", name="New ticket")).to_be_visible()
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Message").fill("Something broke.")
    page.get_by_role("button", name="Create ticket").click()

    expect(page.locator("form [role=alert]")).to_contain_text("(and 1 more)")
    email = page.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field", has=email).locator(".field-error")).to_contain_text("not a valid email address")
    expect(page.locator(".field", has=page.get_by_label("Subject")).locator(".field-error")).to_contain_text(
        "at least 1 character"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("New ticket")


def test_console_quarantine_lists_held_mail_and_release_moves_it_to_the_queue(
    local_stack: LocalStack, page: Page
) -> None:
    subject = unique("Cheap pills")
    message = EmailMessage()
    message["From"], message["Subject"] = "promo@spam.example", subject
    message["Message-ID"] = make_msgid(domain="spam.example")
    message["X-Local-Spam-Verdict"] = "FAIL"
    message.set_content("Buy now.")
    message.add_alternative("<p>Buy <b>now</b><script>parent.hacked = 1</script></p>", subtype="html")
    mail_in(local_stack, message)
    held = ticket_listed(local_stack, "status=quarantined", subject)

    sign_in(page, local_stack)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Quarantine").click()
    row = page.locator("#quarantine-table tbody tr", has_text=subject)
    expect(row).to_contain_text("spam")
    row.get_by_role("button", name=f"Release {held['number']}").click()
    expect(page.locator(".flash")).to_contain_text(f"{held['number']} was released into the queue")
    expect(row).to_have_count(0)

    page.goto(f"{local_stack.http_url}/#/tickets/{held['number']}")
    expect(page.locator(".ticket-head .badges")).to_contain_text("new")
    expect(page.locator(".entry-customer_message .entry-body")).to_contain_text("Buy now.")
    page.get_by_text("Show the original formatting").click()
    frame = page.locator(".entry-html iframe")
    expect(frame).to_have_attribute("sandbox", "")
    expect(page.frame_locator(".entry-html iframe").locator("b")).to_have_text("now")
    assert page.evaluate("window.hacked") is None


def test_console_queue_pages_with_next_cursor_in_the_order_the_api_gives(local_stack: LocalStack, page: Page) -> None:
    tag = f"batch{uuid.uuid4().hex[:6]}"
    for priority in ("low", "urgent", "normal"):
        create_ticket(local_stack, unique(f"Paged {priority}"), priority=priority, tags=[tag])
    api_order = [
        t["number"]
        for t in http(local_stack, "GET", f"/v1/tickets?tag={tag}&limit=100", token=token(local_stack)).json()["items"]
    ]
    assert len(api_order) == 3

    sign_in(page, local_stack, where=f"#/queue?tag={tag}&limit=2")
    rows = page.locator("#queue-table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_label("Per page")).to_have_value("2")
    page.get_by_role("button", name="Load more").click()
    expect(rows).to_have_count(3)
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()
    assert [rows.nth(i).get_attribute("data-ticket") for i in range(3)] == api_order


def test_console_ticket_view_fits_a_phone_and_focus_moves_to_the_heading_then_the_reply(
    local_stack: LocalStack, browser: Browser
) -> None:
    ticket = create_ticket(local_stack, unique("Small screen"))
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, local_stack, where=f"#/tickets/{ticket['number']}")
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text(ticket["number"])
        expect(heading).to_be_focused()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        page.keyboard.press("Tab")
        expect(page.get_by_role("textbox", name="Public reply")).to_be_focused()
    finally:
        context.close()


def test_console_hosted_ui_sign_in_uses_code_with_pkce_and_keeps_the_id_token(
    local_stack: LocalStack, page: Page
) -> None:
    """Cognito stands in as routes in the browser: the console must send S256 PKCE and trade the code for tokens."""
    domain = "https://loket-test.auth.example.com"
    config = {
        "apiBaseUrl": "",
        "cognitoDomain": domain.removeprefix("https://"),
        "clientId": "client-1",
        "redirectUri": "",
    }
    seen: dict[str, Any] = {}

    def authorize(route: Any) -> None:
        query = parse_qs(urlsplit(route.request.url).query)
        seen["authorize"] = {k: v[0] for k, v in query.items()}
        back = f"{seen['authorize']['redirect_uri']}?code=the-code&state={seen['authorize']['state']}"
        route.fulfill(status=302, headers={"Location": back})

    def token_endpoint(route: Any) -> None:
        seen["token"] = {k: v[0] for k, v in parse_qs(route.request.post_data or "").items()}
        route.fulfill(
            status=200,
            headers={"Access-Control-Allow-Origin": "*"},
            content_type="application/json",
            body=json.dumps({"id_token": token(local_stack, "admin"), "token_type": "Bearer", "expires_in": 3600}),
        )

    page.route("**/config.json", lambda route: route.fulfill(content_type="application/json", body=json.dumps(config)))
    page.route(f"{domain}/oauth2/authorize*", authorize)
    page.route(f"{domain}/oauth2/token", token_endpoint)

    page.goto(f"{local_stack.http_url}/#/quarantine")
    expect(page.get_by_role("button", name="Sign in as development agent")).to_have_count(0)
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_role("heading", name="Quarantine")).to_be_visible()
    expect(page.locator("#who")).to_contain_text("admin")
    asked, traded = seen["authorize"], seen["token"]
    assert (asked["response_type"], asked["client_id"], asked["code_challenge_method"]) == ("code", "client-1", "S256")
    assert asked["redirect_uri"] == f"{local_stack.http_url}/"
    assert set(asked["scope"].split()) == {"openid", "email", "profile"}
    assert traded["grant_type"] == "authorization_code" and traded["code"] == "the-code"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(traded["code_verifier"].encode()).digest()).rstrip(b"=")
    assert challenge.decode() == asked["code_challenge"]
    assert "code=" not in page.url


class HostedUi:
    """Cognito's Hosted UI and token endpoint as routes in the browser, with the ID tokens the test chooses."""

    DOMAIN = "https://loket-test.auth.example.com"

    def __init__(self, page: Page, stack: LocalStack, first_token: str, renewed: str | None) -> None:
        self.grants: list[dict[str, str]] = []
        self.first_token, self.renewed = first_token, renewed
        config = {"apiBaseUrl": "", "cognitoDomain": self.DOMAIN.removeprefix("https://"), "clientId": "client-1",
                  "redirectUri": ""}  # fmt: skip
        page.route("**/config.json", lambda r: r.fulfill(content_type="application/json", body=json.dumps(config)))
        page.route(f"{self.DOMAIN}/oauth2/authorize*", self.authorize)
        page.route(f"{self.DOMAIN}/oauth2/token", self.token)

    def authorize(self, route: Any) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(route.request.url).query).items()}
        route.fulfill(status=302, headers={"Location": f"{query['redirect_uri']}?code=c&state={query['state']}"})

    def token(self, route: Any) -> None:
        grant = {k: v[0] for k, v in parse_qs(route.request.post_data or "").items()}
        self.grants.append(grant)
        if grant["grant_type"] == "authorization_code":
            status, body = 200, {"id_token": self.first_token, "refresh_token": "the-refresh-token"}
        elif self.renewed:
            status, body = 200, {"id_token": self.renewed}
        else:
            status, body = 400, {"error": "invalid_grant", "error_description": "Refresh Token has expired"}
        route.fulfill(status=status, headers={"Access-Control-Allow-Origin": "*"}, content_type="application/json",
                      body=json.dumps(body))  # fmt: skip


def test_console_renews_an_id_token_about_to_expire_with_the_refresh_token_before_calling_the_api(
    local_stack: LocalStack, page: Page
) -> None:
    agent = next(u for u in DEV_USERS if u.key == "agent")
    expiring = local_stack.issuer.token(agent, lifetime_s=60)  # inside the console's two-minute margin
    renewed = local_stack.issuer.token(agent, lifetime_s=3600)
    cognito = HostedUi(page, local_stack, expiring, renewed)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.headers.get("authorization", "")) if "/v1/" in r.url else None)

    page.goto(f"{local_stack.http_url}/#/queue")
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_role("heading", name="Queue")).to_be_visible()
    expect(page.locator("#who")).to_contain_text("agent")
    assert [g["grant_type"] for g in cognito.grants] == ["authorization_code", "refresh_token"]
    assert (cognito.grants[1]["refresh_token"], cognito.grants[1]["client_id"]) == ("the-refresh-token", "client-1")
    assert sent and set(sent) == {f"Bearer {renewed}"}


def test_console_whose_refresh_is_refused_signs_in_again_when_the_token_runs_out(
    local_stack: LocalStack, page: Page
) -> None:
    agent = next(u for u in DEV_USERS if u.key == "agent")
    cognito = HostedUi(page, local_stack, local_stack.issuer.token(agent, lifetime_s=90), renewed=None)
    page.clock.install()  # the page's clock, moved on below; the API still checks the token on real time

    page.goto(f"{local_stack.http_url}/#/queue")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()  # refresh refused, token still valid
    page.clock.fast_forward("02:00")
    page.evaluate("window.location.hash = '#/quarantine'")

    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    expect(page.locator(".flash")).to_contain_text("expired")
    assert [g["grant_type"] for g in cognito.grants] == ["authorization_code", "refresh_token"]  # asked once
    assert page.evaluate("sessionStorage.length") == 0


def test_console_opens_a_mailed_attachment_through_a_fresh_download_link(local_stack: LocalStack, page: Page) -> None:
    subject = unique("Receipt attached")
    receipt = b"%PDF-1.4\n% receipt 4471\n"
    message = EmailMessage()
    message["From"], message["Subject"] = "dewi@example.com", subject
    message["Message-ID"] = make_msgid(domain="example.com")
    message.set_content("The receipt is attached.")
    message.add_attachment(receipt, maintype="application", subtype="pdf", filename="receipt 4471.pdf")
    mail_in(local_stack, message)
    ticket = ticket_listed(local_stack, "requester=dewi@example.com", subject)

    sign_in(page, local_stack, where=f"#/tickets/{ticket['number']}")
    attachment = page.locator(".entry-customer_message .attachments li")
    expect(attachment).to_contain_text("receipt 4471.pdf (application/pdf, 1 KB)")
    with page.expect_download() as started:
        attachment.get_by_role("button", name="receipt 4471.pdf").click()
    download = started.value
    assert download.suggested_filename == "receipt 4471.pdf"
    assert Path(download.path()).read_bytes() == receipt


def test_console_reply_with_files_mails_them_and_a_too_large_file_is_refused_before_it_is_sent(
    local_stack: LocalStack, page: Page
) -> None:
    ticket = create_ticket(local_stack, unique("Need the manual"), email="wayan@example.com")
    manual = b"%PDF-1.4\n% printer manual\n"
    sign_in(page, local_stack, where=f"#/tickets/{ticket['number']}")
    reply = page.locator("#reply-form")

    reply.get_by_role("textbox", name="Public reply").fill("Too big to send.")
    reply.get_by_label("Attach files").set_input_files(
        [{"name": "scan.tiff", "mimeType": "image/tiff", "buffer": b"\0" * (4 * 1024 * 1024 + 1)}]
    )
    reply.get_by_role("button", name="Send reply").click()
    expect(reply.locator(".alert.error")).to_contain_text("scan.tiff is larger than 4 MB")
    expect(page.locator(".entry-public_reply")).to_have_count(0)

    reply.get_by_role("textbox", name="Public reply").fill("The manual is attached.")
    reply.get_by_label("Attach files").set_input_files(
        [{"name": "printer manual.pdf", "mimeType": "application/pdf", "buffer": manual}]
    )
    reply.get_by_role("button", name="Send reply").click()
    expect(page.locator(".flash")).to_contain_text("Your reply was sent")
    expect(page.locator(".entry-public_reply .attachments")).to_contain_text("printer manual.pdf (application/pdf")

    mail = mail_sent(local_stack, lambda m: ticket["number"] in m["subject"] and bool(m["attachments"]))
    assert mail["to"] == ["Sari <wayan@example.com>"]
    assert mail["attachments"] == [{"filename": "printer manual.pdf", "content_type": "application/pdf",
                                    "size": len(manual)}]  # fmt: skip


def test_swagger_ui_renders_the_api_document_offline(local_stack: LocalStack, page: Page) -> None:
    external: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(local_stack.http_url) else external.append(r.url))

    page.goto(f"{local_stack.http_url}/v1/docs")

    expect(page.locator(".swagger-ui .title")).to_contain_text("Loket agent API")
    expect(page.locator(".opblock-summary-path", has_text="/v1/uploads")).to_have_count(1)
    assert [u for u in external if not u.startswith(("data:", "blob:"))] == []


def test_console_cc_edit_is_saved_and_the_next_reply_is_mailed_to_the_new_cc(
    local_stack: LocalStack, page: Page
) -> None:
    ticket = create_ticket(local_stack, unique("Loop in finance"), email="putu@example.com")
    sign_in(page, local_stack, where=f"#/tickets/{ticket['number']}")

    page.get_by_label("CC", exact=True).fill("Finance@Example.com, ketut@example.org")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash")).to_contain_text(f"{ticket['number']} was saved")
    expect(page.locator(".facts")).to_contain_text("finance@example.com")
    page.get_by_role("textbox", name="Public reply").fill("Finance will confirm the refund.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".flash")).to_contain_text("Your reply was sent")

    mail = mail_sent(local_stack, lambda m: ticket["number"] in m["subject"] and "refund" in (m["text"] or ""))
    assert mail["to"] == ["Sari <putu@example.com>"]
    assert dict(mail["headers"])["Cc"] == "finance@example.com, ketut@example.org"
