"""Agents open attachments: GET /v1/tickets/{ticket}/conversation/{entry}/attachments/{index} gives a short-lived
link that downloads the stored file (customer messages, replies and internal notes alike)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from loket.core import tickets as svc
from loket.core.domain.ticket import Actor, AttachmentRef, Channel, EntryKind
from loket.platform import attachments as storage
from tests.integration.agent_api.conftest import AGENT, Api

PDF = b"%PDF-1.4 the invoice\n"
CUSTOMER = Actor(kind="customer", id="rina@example.com", email="rina@example.com")
AGENT_ACTOR = Actor(kind="agent", id="agent-1", email="agent@example.com")


def ticket_with_attachment(name: str = "invoice 12.pdf", data: bytes = PDF) -> tuple[str, str]:
    key = f"web/test/0-{name.replace(' ', '_')}"
    storage.put(key, data, "application/pdf")
    ticket, _ = svc.create_ticket(
        svc.NewTicket(
            subject="Invoice is wrong",
            body_text="See the attached invoice.",
            requester_email="rina@example.com",
            channel=Channel.WEB,
            attachments=[AttachmentRef(key, name, "application/pdf", len(data))],
        ),
        CUSTOMER,
    )
    [entry] = svc.repo.list_entries(ticket.ticket_id)
    return f"LKT-{ticket.number}", entry.entry_id


def link(api: Api, ticket: str, entry: str, index: str = "0", **kwargs: Any) -> Any:
    return api("attachment_link", ticket=ticket, path={"entry": entry, "index": index}, **kwargs)


def test_link_downloads_the_customers_file_for_a_few_minutes(api: Api, bucket: str) -> None:
    ticket, entry = ticket_with_attachment()

    reply = link(api, ticket, entry)

    assert reply.status == 200, reply.body
    assert reply.headers["cache-control"] == "no-store"
    assert {k: reply.body[k] for k in ("filename", "content_type", "size", "expires_in")} == {
        "filename": "invoice 12.pdf", "content_type": "application/pdf", "size": len(PDF), "expires_in": 300,
    }  # fmt: skip
    query = parse_qs(urlsplit(reply.body["url"]).query)
    assert query["X-Amz-Expires"] == ["300"]
    assert query["response-content-disposition"] == ["attachment; filename*=UTF-8''invoice%2012.pdf"]
    download = requests.get(reply.body["url"], timeout=10)
    assert download.status_code == 200
    assert download.content == PDF


def test_an_internal_notes_attachment_is_open_to_agents(api: Api, bucket: str) -> None:
    ticket, _ = ticket_with_attachment()
    storage.put("web/test/notes.txt", b"call log", "text/plain")
    note = svc.add_entry(
        ticket,
        svc.NewEntry(
            EntryKind.INTERNAL_NOTE,
            AGENT_ACTOR,
            "Call log attached.",
            attachments=[AttachmentRef("web/test/notes.txt", "notes.txt", "text/plain", 8)],
        ),
    )

    reply = link(api, ticket, note.entry.entry_id)

    assert reply.status == 200
    assert reply.body["filename"] == "notes.txt"
    assert requests.get(reply.body["url"], timeout=10).content == b"call log"


@pytest.mark.parametrize(
    ("entry", "index"),
    [("no-such-entry", "0"), (None, "1"), (None, "999")],
    ids=["unknown entry", "index past the end", "index far past the end"],
)
def test_unknown_entry_or_index_is_404_attachment_not_found(
    api: Api, bucket: str, entry: str | None, index: str
) -> None:
    ticket, first = ticket_with_attachment()

    reply = link(api, ticket, entry or first, index)

    assert reply.status == 404
    assert reply.body["error"]["code"] == "attachment_not_found"
    assert ticket in reply.body["error"]["message"]


def test_entry_of_another_ticket_is_404(api: Api, bucket: str) -> None:
    _, entry = ticket_with_attachment()
    other = api.create()

    reply = link(api, other["number"], entry)

    assert reply.status == 404
    assert reply.body["error"]["code"] == "attachment_not_found"


@pytest.mark.parametrize("index", ["-1", "abc", "1000"])
def test_index_that_is_not_a_position_is_422(api: Api, bucket: str, index: str) -> None:
    ticket, entry = ticket_with_attachment()

    reply = link(api, ticket, entry, index)

    assert reply.status == 422
    assert reply.body["error"]["code"] == "validation_error"
    assert reply.body["error"]["details"][0]["field"] == "path.index"


def test_unknown_ticket_is_404_ticket_not_found(api: Api, bucket: str) -> None:
    reply = link(api, "LKT-9999", "whatever")

    assert reply.status == 404
    assert reply.body["error"]["code"] == "ticket_not_found"


def test_link_needs_an_agent_token(api: Api, bucket: str) -> None:
    ticket, entry = ticket_with_attachment()

    assert link(api, ticket, entry, claims=None).status == 401
    assert link(api, ticket, entry, claims={**AGENT, "cognito:groups": "[customers]"}).status == 403
