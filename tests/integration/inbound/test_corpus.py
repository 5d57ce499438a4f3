"""Every mail in tests/mails delivered through the function on moto, checked against its expectations."""

from __future__ import annotations

from typing import Any

import pytest

from loket.core import tickets as service
from loket.core.data import keys
from loket.core.data import tickets as repo
from loket.core.domain.ticket import Actor, Channel
from tests.integration.inbound.conftest import Deliver, outbox_events, stored_attachment
from tests.support.mail_corpus import corpus, raw


def _ticket_that_sent(message_id: str) -> str:
    """A ticket whose first message carries `message_id` (as if Loket had sent or received it)."""
    ticket, _ = service.create_ticket(
        service.NewTicket(
            subject="Tidak bisa masuk ke portal",
            body_text="Saya tidak bisa masuk.",
            requester_email="siti.rahmawati@gmail.example",
            channel=Channel.EMAIL,
            message_id=message_id,
        ),
        Actor(kind="customer", id="siti.rahmawati@gmail.example", email="siti.rahmawati@gmail.example"),
    )
    return ticket.ticket_id


@pytest.mark.parametrize(("name", "spec"), corpus(), ids=[n for n, _ in corpus()])
def test_corpus_mail_delivered_gives_expected_ticket(deliver: Deliver, name: str, spec: dict[str, Any]) -> None:
    existing = _ticket_that_sent(spec["given_message_id"]) if "given_message_id" in spec else None

    delivered = deliver(raw(name))

    assert delivered.outcome == spec["outcome"]
    if existing:
        assert delivered.ticket_id == existing
    ticket = delivered.ticket()
    entry = delivered.entries()[-1] if existing else delivered.entries()[0]
    if "status" in spec:
        assert ticket.status == spec["status"]
    if "from" in spec and not existing:
        assert ticket.requester_email == spec["from"]
    for fragment in spec.get("text_contains", []):
        assert fragment in entry.body_text
    if "reply_text" in spec:
        assert entry.body_text == spec["reply_text"]
        assert entry.extra["mail"]["quoted_stripped"] is True
    for fragment in spec.get("html_excludes", []):
        assert fragment.lower() not in (entry.body_html or "").lower()
    if "attachments" in spec:
        assert [(a.filename, a.content_type) for a in entry.attachments] == [
            (a["filename"], a["content_type"]) for a in spec["attachments"]
        ]
        for attachment in entry.attachments:
            assert len(stored_attachment(attachment.key)) == attachment.size
    reasons = entry.extra["mail"]["gate"]
    if spec.get("gate") == []:
        assert reasons == []
    else:
        assert set(spec.get("gate", [])) <= set(reasons)
    if "automatic" in spec:
        events = [e for e in outbox_events(ticket.ticket_id) if e["payload"].get("entry_id") == entry.entry_id]
        assert [e["payload"]["automatic"] for e in events] == [spec["automatic"]]
    # the full original is always reachable from the entry
    assert entry.extra["mail"]["raw"]["key"].endswith(delivered.ses_message_id)
    assert repo.find_lookup(keys.message_id_pk(entry.message_id)) == ticket.ticket_id
