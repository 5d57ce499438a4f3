"""Customer use cases of the web: open a ticket from the form, see it on its status page, reply there.

The status page is guarded by a token (an HMAC over the ticket id, `loket.core.status_links`); a wrong or
missing token raises TicketNotFound exactly like a ticket that does not exist. The page only ever
reads customer messages and public replies: internal notes and system entries are not fetched.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from loket.channels.web.forms import TicketForm, Upload, count_links
from loket.channels.web.settings import WebSettings
from loket.core import status_links, tickets
from loket.core.data import limits
from loket.core.data import tickets as repo
from loket.core.data.keys import client_key_pk
from loket.core.data.models import EntryItem, TicketItem
from loket.core.domain.errors import AttachmentNotFound, RateLimited, TicketNotFound
from loket.core.domain.ticket import Actor, AttachmentRef, Channel, EntryKind
from loket.platform import attachments as storage
from loket.platform import config
from loket.platform.observability import TICKET_CREATED, count

PUBLIC_KINDS = frozenset({EntryKind.CUSTOMER_MESSAGE.value, EntryKind.PUBLIC_REPLY.value})
SPAM_TAG = "possible-spam"


@dataclass
class Submission:
    form: TicketForm
    lang: str
    source_ip: str
    via: str  # "form" (the hosted page) or "json" (POST /v1/public/tickets)
    user_agent: str = ""
    nonce: str | None = None  # the form's one-time token or the caller's Idempotency-Key
    rendered_at: int | None = None  # when the hosted form was rendered (signed), for the fill-time signal


@dataclass
class Submitted:
    ticket: TicketItem
    created: bool
    token: str
    spam_signals: list[dict[str, Any]] = field(default_factory=list)


def status_token(ticket: TicketItem) -> str:
    return status_links.token(ticket.ticket_id)


def record_honeypot(via: str) -> None:
    """A filled honeypot: nothing is stored, the caller answers as if it worked; only a metric counts it."""
    count("WebFormHoneypot")


def _limit(scope: str, key: str, limit: int, window: int, now: float) -> None:
    if not limits.hit(scope, key, limit, window, now=now):
        count("WebFormRateLimited")
        raise RateLimited(scope, window - int(now) % window)


def spam_signals(form: TicketForm, rendered_at: int | None, now: float) -> list[dict[str, Any]]:
    """Reasons to look twice at a ticket. Recorded on it, never used to refuse it."""
    settings = config.load(WebSettings)
    signals: list[dict[str, Any]] = []
    links = count_links(form.subject, form.message)
    if links > settings.web_max_links:
        signals.append({"signal": "many_links", "links": links, "limit": settings.web_max_links})
    if rendered_at is not None and now - rendered_at < settings.web_min_fill_seconds:
        signals.append({"signal": "filled_too_fast", "seconds": round(now - rendered_at, 1)})
    return signals


def _store(prefix: str, uploads: list[Upload]) -> list[AttachmentRef]:
    refs = []
    for index, upload in enumerate(uploads):
        key = f"{prefix}/{index}-{storage.key_name(upload.filename)}"
        storage.put(key, upload.data, upload.content_type, filename=upload.filename)
        refs.append(AttachmentRef(key, upload.filename, upload.content_type, upload.size))
    return refs


def submit(sub: Submission, now: float | None = None) -> Submitted:
    """Open a ticket from a validated form. The same nonce and email again returns the first ticket.

    Raises RateLimited when the source IP or the sender has opened too many tickets in the window.
    """
    settings = config.load(WebSettings)
    moment = now if now is not None else time.time()
    form = sub.form
    client_key = f"{sub.via}:{sub.nonce}:{form.email.lower()}" if sub.nonce else None
    if client_key and (existing := repo.find_lookup(client_key_pk(client_key))):
        ticket = repo.get_ticket(existing)  # a double submit: no second ticket, no second rate-limit hit
        return Submitted(ticket, False, status_token(ticket))
    window = settings.web_rate_window_seconds
    _limit("web-ip", sub.source_ip or "unknown", settings.web_ip_limit, window, moment)
    _limit("web-email", form.email, settings.web_email_limit, window, moment)
    signals = spam_signals(form, sub.rendered_at, moment)
    seed = client_key or secrets.token_hex(16)
    prefix = f"{storage.PREFIXES['web']}{hashlib.sha256(seed.encode()).hexdigest()[:32]}"
    attachments = _store(prefix, form.attachments)
    extra: dict[str, Any] = {
        "lang": sub.lang,
        "web": {"via": sub.via, "source_ip": sub.source_ip, "user_agent": sub.user_agent[:200]},
    }
    if signals:
        extra["spam_signals"] = signals
        count("WebFormSpamSignal")
    new = tickets.NewTicket(
        subject=form.subject,
        body_text=form.message,
        requester_email=form.email,
        requester_name=form.name,
        channel=Channel.WEB,
        custom_fields={"category": form.category},
        tags=[SPAM_TAG] if signals else [],
        attachments=attachments,
        extra=extra,
    )
    actor = Actor(kind="customer", id=form.email, email=form.email)
    ticket, created = tickets.create_ticket(new, actor, client_key=client_key)
    if created:
        count(TICKET_CREATED, channel=Channel.WEB.value)
    return Submitted(ticket, created, status_token(ticket), signals if created else [])


# --- the status page ---------------------------------------------------------------------------


@dataclass
class StatusView:
    ticket: TicketItem
    token: str
    entries: list[EntryItem]
    merged_into: tuple[int, str] | None = None  # (number, token) of the ticket this one was merged into
    follow_up_of: int | None = None  # number of the closed ticket this one follows up


def open_ticket(ref: str, token: str | None) -> TicketItem:
    """The ticket when the token is right for it; TicketNotFound otherwise (indistinguishable)."""
    ticket = tickets.resolve(ref)
    if not status_links.verify(ticket.ticket_id, token):
        raise TicketNotFound(ref)
    return ticket


def status_view(ref: str, token: str | None) -> StatusView:
    ticket = open_ticket(ref, token)
    entries = repo.list_entries(ticket.ticket_id, kinds=set(PUBLIC_KINDS))
    view = StatusView(ticket, status_token(ticket), [e for e in entries if e.kind in PUBLIC_KINDS])
    if ticket.merged_into:
        try:
            target = repo.get_ticket(ticket.merged_into)
            view.merged_into = (int(target.number), status_token(target))
        except TicketNotFound:
            view.merged_into = None
    if ticket.follow_up_of:
        try:
            view.follow_up_of = int(repo.get_ticket(ticket.follow_up_of).number)
        except TicketNotFound:
            view.follow_up_of = None
    return view


@dataclass
class Replied:
    ticket: TicketItem  # the ticket the reply landed on (a new follow-up when the original was closed)
    token: str
    follow_up: bool = False
    duplicate: bool = False


def reply(
    ticket: TicketItem,
    message: str,
    uploads: list[Upload],
    nonce: str,
    source_ip: str,
    now: float | None = None,
) -> Replied:
    """Add the customer's reply from the status page (the caller has checked the token).

    The nonce is claimed once, so a double submit adds one reply. A reply to a closed ticket opens a
    linked follow-up. Raises RateLimited when the source IP has replied too often in the window.
    """
    settings = config.load(WebSettings)
    moment = now if now is not None else time.time()
    window = settings.web_rate_window_seconds
    _limit("web-reply-ip", source_ip or "unknown", settings.web_reply_limit, window, moment)
    if not limits.hit("web-reply-once", nonce, 1, settings.web_form_max_age_seconds, now=moment):
        return Replied(ticket, status_token(ticket), duplicate=True)
    prefix = f"{storage.PREFIXES['web']}{ticket.ticket_id}/{hashlib.sha256(nonce.encode()).hexdigest()[:16]}"
    attachments = _store(prefix, uploads)
    actor = Actor(kind="customer", id=ticket.requester_email, email=ticket.requester_email)
    result = tickets.add_entry(
        ticket,
        tickets.NewEntry(
            EntryKind.CUSTOMER_MESSAGE,
            actor,
            message,
            attachments=attachments,
            channel=Channel.WEB,
            author_name=ticket.requester_name,
            extra={"web": {"via": "status_page", "source_ip": source_ip}},
        ),
    )
    return Replied(result.ticket, status_token(result.ticket), follow_up=result.follow_up)


def attachment_link(ref: str, token: str | None, entry_id: str, index: int) -> str:
    """A short-lived download link for an attachment of a public entry; TicketNotFound otherwise."""
    ticket = open_ticket(ref, token)
    try:
        return tickets.attachment_download(ticket, entry_id, index, kinds=set(PUBLIC_KINDS)).url
    except AttachmentNotFound:
        raise TicketNotFound(ref) from None
