"""GET/POST /status/{ticket}?t=TOKEN: the customer's view of a ticket, the reply box, attachments."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from loket.core import tickets
from loket.core.data import tickets as repo
from loket.core.domain.ticket import Actor, AttachmentRef, EntryKind
from loket.core.tickets import resolve
from tests.conftest import SigningKey, token_with
from tests.integration.web_form.conftest import PNG, Web, status_parts

AGENT = Actor(kind="agent", id="agent-1", email="agent@example.com", role="agent")
SECRET_NOTE = "Internal: customer is on the watch list"


def _open(web: Web, **fields: str) -> tuple[str, str]:
    """A ticket made through the form: (number, status token)."""
    reply = web.post_form(files=[("layar.png", PNG, "image/png")])
    ref, query = status_parts(reply.link("status/"))
    return ref, query["t"]


def _set_status(ref: str, *statuses: str) -> None:
    for status in statuses:
        ticket = resolve(ref)
        tickets.update_ticket(ref, int(ticket.version), {"status": status}, AGENT)


def test_status_page_shows_public_conversation_and_never_internal_notes(web: Web) -> None:
    ref, token = _open(web)
    tickets.add_entry(ref, tickets.NewEntry(EntryKind.PUBLIC_REPLY, AGENT, "Coba atur ulang kata sandi Anda."))
    tickets.add_entry(
        ref,
        tickets.NewEntry(
            EntryKind.INTERNAL_NOTE,
            AGENT,
            SECRET_NOTE,
            attachments=[AttachmentRef("web/secret/0-notes.txt", "notes.txt", "text/plain", 3)],
        ),
    )

    reply = web.status(ref, token)

    assert reply.status == 200
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    assert reply.headers["referrer-policy"] == "no-referrer"
    assert "Ticket LKT-1" in reply.text
    assert "Tidak bisa masuk ke akun" in reply.text
    assert "Sejak kemarin saya tidak bisa masuk." in reply.text
    assert "Coba atur ulang kata sandi Anda." in reply.text
    assert "In progress" in reply.text  # the agent's reply opened the ticket
    assert SECRET_NOTE not in reply.text
    assert "notes.txt" not in reply.text
    assert "layar.png" in reply.text
    assert '<label for="f-message">' in reply.text


def test_status_page_escapes_what_people_wrote(web: Web) -> None:
    ref, token = _open(web)
    tickets.add_entry(ref, tickets.NewEntry(EntryKind.PUBLIC_REPLY, AGENT, "<img src=x onerror=alert(1)>"))

    reply = web.status(ref, token)

    assert "<img src=x" not in reply.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in reply.text


def test_status_page_wrong_token_answers_404_exactly_like_a_missing_ticket(web: Web) -> None:
    ref, token = _open(web)
    wrong = "a" * len(token)

    wrong_token = web.status(ref, wrong)
    missing_ticket = web.status("LKT-999", wrong)

    assert wrong_token.status == missing_ticket.status == 404
    assert wrong_token.text == missing_ticket.text
    assert wrong_token.headers == missing_ticket.headers
    assert "Ticket LKT-1" not in wrong_token.text


def test_status_page_token_with_non_ascii_characters_answers_the_same_404(web: Web) -> None:
    ref, token = _open(web)

    odd = web.status(ref, "é" * len(token))

    assert odd.status == 404
    assert odd.text == web.status("LKT-999", "é" * len(token)).text


def test_status_page_without_token_answers_404(web: Web) -> None:
    ref, _token = _open(web)

    reply = web.status(ref, None)

    assert reply.status == 404


def test_status_page_token_of_another_ticket_answers_404(web: Web) -> None:
    _ref1, token1 = _open(web)
    ref2, _token2 = _open(web)

    reply = web.status(ref2, token1)

    assert reply.status == 404


def test_status_page_by_ticket_id_works_with_the_same_token(web: Web) -> None:
    ref, token = _open(web)

    reply = web.status(resolve(ref).ticket_id, token)

    assert reply.status == 200


def test_status_page_garbage_reference_answers_404(web: Web) -> None:
    reply = web.status("x" * 300, "token")

    assert reply.status == 404


def test_status_reply_adds_a_customer_message_reopens_and_redirects(web: Web) -> None:
    ref, token = _open(web)
    tickets.add_entry(ref, tickets.NewEntry(EntryKind.PUBLIC_REPLY, AGENT, "Sudah dicoba?"))
    _set_status(ref, "pending")

    reply = web.reply(ref, token, "Sudah, sekarang berhasil.")

    assert reply.status == 303
    location = reply.headers["location"]
    assert location.startswith("LKT-1?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["sent"] == "1" and query["t"] == token
    ticket = resolve(ref)
    assert ticket.status == "open"
    entries = repo.list_entries(ticket.ticket_id, kinds={"customer_message"})
    assert entries[-1].body_text == "Sudah, sekarang berhasil."
    assert entries[-1].channel == "web"
    shown = web.call(web._status_event("get_status", ref, token) | {"queryStringParameters": query})
    assert "Your reply was added." in shown.text


@pytest.mark.usefixtures("one_rate_window")  # the once-per-nonce window is a UTC day
def test_status_reply_double_submit_adds_one_message(web: Web) -> None:
    ref, token = _open(web)
    form_token = web.status(ref, token).form_token()

    first = web.reply(ref, token, "Once only", form_token=form_token)
    second = web.reply(ref, token, "Once only", form_token=form_token)

    assert first.status == second.status == 303
    assert "sent=1" not in second.headers["location"]
    messages = [e.body_text for e in repo.list_entries(resolve(ref).ticket_id, kinds={"customer_message"})]
    assert messages.count("Once only") == 1


def test_status_reply_with_attachment_offers_it_for_download(web: Web) -> None:
    ref, token = _open(web)

    web.reply(ref, token, "Screenshot attached", files=[("bukti.png", PNG, "image/png")])
    page = web.status(ref, token)

    link = re.search(r'href="(LKT-1/attachments/[0-9a-f]+/0\?t=[^"]+)"[^>]*>bukti\.png', page.text)
    assert link


def test_status_reply_on_a_closed_ticket_opens_a_linked_follow_up(web: Web) -> None:
    ref, token = _open(web)
    _set_status(ref, "resolved", "closed")

    reply = web.reply(ref, token, "It broke again.")

    assert reply.status == 200
    assert "This ticket was closed, so we opened a new one" in reply.text
    assert "Your message is now ticket LKT-2, linked to the closed ticket LKT-1." in reply.text
    new_ref, query = status_parts(reply.link("LKT-2"))
    follow_up = resolve(new_ref)
    assert follow_up.follow_up_of == resolve(ref).ticket_id
    page = web.status(new_ref, query["t"])
    assert page.status == 200
    assert "This ticket follows up on LKT-1." in page.text
    assert "It broke again." in page.text


def test_status_page_of_a_merged_ticket_links_the_target(web: Web) -> None:
    source, token = _open(web)
    target, _target_token = _open(web)
    tickets.merge(source, target, AGENT)

    page = web.status(source, token)

    assert "This ticket was merged into LKT-2." in page.text
    _ref, query = status_parts(page.link("LKT-2"))
    assert web.status("LKT-2", query["t"]).status == 200
    assert 'name="message"' not in page.text  # replies go to the target


def test_status_reply_empty_message_answers_422_on_the_page(web: Web) -> None:
    ref, token = _open(web)

    reply = web.reply(ref, token, "   ")

    assert reply.status == 422
    assert '<a href="#f-message">' in reply.text
    assert "Ticket LKT-1" in reply.text


def test_status_reply_without_form_token_answers_400_keeping_the_text(web: Web) -> None:
    ref, token = _open(web)

    reply = web.reply(ref, token, "Keep me", form_token=None)

    assert reply.status == 400
    assert ">Keep me</textarea>" in reply.text
    assert len(repo.list_entries(resolve(ref).ticket_id, kinds={"customer_message"})) == 1


def test_status_reply_refused_file_answers_422(web: Web) -> None:
    ref, token = _open(web)

    reply = web.reply(ref, token, "See file", files=[("x.svg", b"<svg/>", "image/svg+xml")])

    assert reply.status == 422


def test_status_reply_wrong_token_answers_404_and_adds_nothing(web: Web) -> None:
    ref, token = _open(web)
    form_token = web.status(ref, token).form_token()

    reply = web.reply(ref, "b" * len(token), "Injected", form_token=form_token)

    assert reply.status == 404
    assert len(repo.list_entries(resolve(ref).ticket_id)) == 1


@pytest.fixture
def tight_reply_limit(web_settings: dict[str, str]) -> None:
    web_settings["WEB_REPLY_LIMIT"] = "1"


@pytest.mark.usefixtures("one_rate_window")
def test_status_reply_over_the_limit_answers_429(tight_reply_limit: None, web: Web) -> None:
    ref, token = _open(web)
    web.reply(ref, token, "one")

    reply = web.reply(ref, token, "two")

    assert reply.status == 429
    assert "retry-after" in reply.headers


def test_status_attachment_redirects_to_a_short_lived_download(web: Web) -> None:
    ref, token = _open(web)
    [entry] = repo.list_entries(resolve(ref).ticket_id)

    reply = web.attachment(ref, token, entry.entry_id, "0")

    assert reply.status == 302
    location = reply.headers["location"]
    assert entry.attachments[0].key in location
    assert "X-Amz-Expires=300" in location
    assert "response-content-disposition=attachment" in location


def test_status_attachment_of_an_internal_note_answers_404(web: Web) -> None:
    ref, token = _open(web)
    note = tickets.add_entry(
        ref,
        tickets.NewEntry(
            EntryKind.INTERNAL_NOTE,
            AGENT,
            SECRET_NOTE,
            attachments=[AttachmentRef("web/secret/0-notes.txt", "notes.txt", "text/plain", 3)],
        ),
    )

    reply = web.attachment(ref, token, note.entry.entry_id, "0")

    assert reply.status == 404


@pytest.mark.parametrize("index", ["1", "-1", "abc", "99999"])
def test_status_attachment_bad_index_answers_404(web: Web, index: str) -> None:
    ref, token = _open(web)
    [entry] = repo.list_entries(resolve(ref).ticket_id)

    reply = web.attachment(ref, token, entry.entry_id, index)

    assert reply.status == 404


def test_status_attachment_wrong_token_answers_404(web: Web) -> None:
    ref, token = _open(web)
    [entry] = repo.list_entries(resolve(ref).ticket_id)

    reply = web.attachment(ref, "c" * len(token), entry.entry_id, "0")

    assert reply.status == 404


def test_status_reply_database_failure_answers_503_keeping_the_text(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    from tests.support.botocore_hooks import on_dynamodb_call

    ref, token = _open(web)
    form_token = web.status(ref, token).form_token()

    def fail(model: object, **_: object) -> None:
        if getattr(model, "name", "") == "TransactWriteItems":
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "down"}}, "TransactWriteItems")

    with on_dynamodb_call(monkeypatch, fail):
        reply = web.reply(ref, token, "Please keep this text", form_token=form_token)

    assert reply.status == 503
    assert ">Please keep this text</textarea>" in reply.text
    assert reply.form_token() != form_token  # the used nonce is spent; the page offers a new one
    assert len(repo.list_entries(resolve(ref).ticket_id, kinds={"customer_message"})) == 1


def test_a_status_link_mailed_before_a_key_rotation_keeps_working_for_the_grace_period(
    web: Web, signing_key: SigningKey
) -> None:
    ref, mailed = _open(web)
    ticket_id = resolve(ref).ticket_id
    signing_key.rotate("key-2")
    signing_key.wait(minutes=6)
    fresh = token_with("key-2", "status", ticket_id)

    page = web.status(ref, mailed)
    reply = web.reply(ref, mailed, "Still broken after the weekend.")

    assert page.status == 200
    assert "Ticket LKT-1" in page.text
    assert f"t={fresh}" in page.text  # the page's own links and reply form carry the new key's token
    assert reply.status == 303
    assert parse_qs(urlsplit(reply.headers["location"]).query)["t"] == [fresh]
    messages = repo.list_entries(ticket_id, kinds={"customer_message"})
    assert messages[-1].body_text == "Still broken after the weekend."

    signing_key.wait(days=91)
    expired = web.status(ref, mailed)
    assert expired.status == 404
    assert expired.text == web.status("LKT-999", mailed).text
    assert web.status(ref, fresh).status == 200
