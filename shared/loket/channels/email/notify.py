"""Outbound mail: acknowledgements, agents' public replies and assignment notices, one mail per event.

How an event gets here
----------------------
Every change writes a typed event (`loket.core.events`) as an outbox item in the same DynamoDB transaction
as the change. The table stream carries each INSERT through an EventBridge Pipe to the tickets bus; the
NotifierRule sends the event types below to the NotifierQueue (SQS; after 5 receives a message moves to
the NotifierDLQ, which has an alarm). The handler (`functions/notifier/app.py`) reads the queue in batches
(Powertools Batch, partial batch failures) and calls `event_of` then `deliver` for each message, the send
wrapped in Powertools Idempotency on the event id. During one release a message may still be the old shape
(the stream record itself, sent by the Pipe straight to the queue): `event_of` reads both.

What mail each event causes
---------------------------
| event             | mail                               | to                    | Auto-Submitted   |
|-------------------|------------------------------------|-----------------------|------------------|
| `ticket.created`  | acknowledgement                    | the requester         | `auto-replied`   |
| `ticket.released` | acknowledgement (held mail let in) | the requester         | `auto-replied`   |
| `message.added`   | the agent's public reply           | the requester and CCs | none, or `auto-generated` if automatic |
| `ticket.assigned` | "assigned to you" notice           | the new assignee      | `auto-generated` |
| `sla.warned`      | SLA warning notice                 | the assignee; unassigned: the group's leads | `auto-generated` |
| `sla.breached`    | SLA breach notice                  | the assignee and the group's leads | `auto-generated` |
| `ticket.reminded` | reminder: we wait for your reply   | the requester and CCs | `auto-generated` |

An acknowledgement goes out only for a ticket a customer opened by web form or email: not for
automatic mail (auto-replies, bounces: RFC 3834, and it would start a loop), not for a ticket opened
through the API or by an agent (the agent speaks to the customer with a public reply, which is
mailed), and not while a ticket is quarantined (the mail is held because it may be spam or forged:
answering it would confirm the address or mail a victim). When an agent releases a held ticket,
`ticket.released` sends the acknowledgement instead, once, unless the held mail was automatic.
A requester gets at most ACK_LIMIT_PER_HOUR acknowledgements an hour (a guard against loops with
auto-responders that ignore Auto-Submitted).
A customer address whose local part is not ASCII (`josé@example.com`, RFC 6531) cannot be mailed: SES
sends to 7-bit ASCII addresses only (a Unicode domain goes out as IDNA, see `loket.channels.email.outbound`). Such a
recipient is left out with a warning; when nobody is left, the event is consumed without mail and the
reason is its result, rather than failing on every delivery until the record lands in the DLQ.
Internal notes and customer messages are never mailed. Agents are known by id; their address comes
from the directory (`loket.core.directory.email_of`); an agent the directory does not know gets no notice,
with a warning in the log. An agent who assigns a ticket to themself gets no notice. The notice has no
Reply-To: a reply to it is not a message to the customer.
SLA notices (the SLA feature's `sla.warned` / `sla.breached`) go to whoever holds the ticket when the notice is
sent (the ticket as read now, not as the event saw it): its assignee, and the group's leads (directory agents
with role `lead` listed in the ticket's group; on a warning only when nobody is assigned). One mail per event,
every recipient in To; an agent the directory does not know is left out. No recipient left: no mail, with the
reason as the result. Agent notices are in DEFAULT_LANGUAGE (the directory records no language per agent).

The reminder (the SLA feature's `ticket.reminded`, sent while a ticket waits on the customer) goes out only if the
ticket is still `pending` when the notice is sent; it names the instant the ticket resolves without a reply (UTC),
links the status page, and counts against ACK_LIMIT_PER_HOUR like the acknowledgements (automatic mail to a
customer). A reply to it threads into the ticket and opens it, which cancels the auto-resolve.

Every mail about a ticket goes out From the address of the ticket's group (`loket.core.directory`; a group
without one, one off the support domain, or one the directory no longer has: MAIL_FROM_ADDRESS, else the support
address); a customer mail has
Reply-To the signed plus-address of the ticket on that same address (`billing+LKT-1042.<token>@`, which the
inbound function threads like the support address's), In-Reply-To and References built from the Message-IDs of the ticket's earlier entries,
and its own Message-ID, recorded as a lookup item pointing at the ticket before the mail is sent.
The language is the ticket's `extra["lang"]` (recorded by the web form), else DEFAULT_LANGUAGE.

Exactly one mail per event
--------------------------
SQS delivers at least once, and the stream, the pipe, the bus and a failed batch can all repeat an event.
The handler wraps `deliver` in Powertools Idempotency keyed on the event's `event_id` (DynamoDB persistence in
the IdempotencyTable, TTL attribute `expiration`, records kept NOTIFY_IDEMPOTENCY_SECONDS, longer than
a message can live in the queue). Per record:

1. a conditional put locks the event (`INPROGRESS`). A copy of the event already in progress
   elsewhere raises `IdempotencyAlreadyInProgressError`: that record fails and SQS retries it later,
   when it finds the `COMPLETED` record and sends nothing;
2. the mail is built and its Message-ID recorded;
3. SES `SendRawEmail`;
4. the lock becomes `COMPLETED`, with the result.

An exception in 2 or 3 deletes the lock, so the next delivery tries again (up to the DLQ). The one
window left is between 3 and 4: if the invocation dies after SES accepted the mail but before the
completion is written, the lock expires when the invocation would have timed out and the redelivered
event sends a second copy. We accept that rare duplicate rather than risk a lost mail (marking the
event done before sending loses the mail in the same window). The copy carries the same Message-ID,
because the id is derived from the event id, so mail clients show one message and the threading
lookup is the same item. A hand-written "mail sent for event X" item in the tickets table would have
the same window and no lock expiry tied to the Lambda timeout, hence the library.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from loket.channels.email import mail_log, outbound, templates
from loket.channels.email.address import reply_address
from loket.channels.email.settings import NotifierSettings
from loket.core import directory, events, status_links
from loket.core.data import limits
from loket.core.data import tickets as repo
from loket.core.data.models import EntryItem, TicketItem
from loket.core.domain import clock
from loket.core.domain.addresses import is_own_address
from loket.core.domain.clock import parse_iso
from loket.core.domain.errors import TicketNotFound
from loket.core.domain.language import pick
from loket.core.domain.ticket import SYSTEM, Channel, EntryKind, Status, format_number
from loket.core.events import (
    EventType,
    MessageAdded,
    SlaBreached,
    SlaWarned,
    TicketAssigned,
    TicketCreated,
    TicketReleased,
    TicketReminded,
)
from loket.platform import config
from loket.platform.observability import logger, metrics

# the event types this module mails (the NotifierRule's pattern in template.yaml lets only these through)
MAILED_EVENTS = (
    EventType.TICKET_CREATED,
    EventType.TICKET_RELEASED,
    EventType.MESSAGE_ADDED,
    EventType.TICKET_ASSIGNED,
    EventType.SLA_WARNED,
    EventType.SLA_BREACHED,
    EventType.TICKET_REMINDED,
)
ACKNOWLEDGED_CHANNELS = frozenset({Channel.WEB.value, Channel.EMAIL.value})
Mailed = TicketCreated | TicketReleased | MessageAdded | TicketAssigned | SlaWarned | SlaBreached | TicketReminded


@dataclass(frozen=True)
class NoMail:
    """A queue message that makes no mail, decided by the message alone (no lock, no writes)."""

    ticket_id: str
    reason: str


# --- the queue message: an EventBridge event (or, for one release, the old stream record) ---------------------


def event_of(body: str) -> Mailed | NoMail:
    """The typed event a NotifierQueue message carries, or why it makes no mail.

    The message is the bus event (`detail` is the typed event). Two shapes from before the bus are read too, so
    that what was in flight at deploy time is still mailed (remove after one release): a DynamoDB stream record
    of an old outbox item that the old Pipe sent straight to the queue, and a bus event the new Pipe made of such
    an item (its `detail` the old untyped payload, without `schema_version`; its id keys the mail, since the old
    payload carries none). Anything else raises.
    """
    message = json.loads(body)
    if isinstance(message, dict) and "detail-type" in message:
        detail = message["detail"]
        if isinstance(detail, dict) and "schema_version" not in detail:
            return _legacy(
                str(detail.get("ticket_id") or ""), str(message["detail-type"]), str(message["id"]),
                str(message["time"]), detail,
            )  # fmt: skip
        event = events.parse(detail)
        reason = skip_reason(event)
        return NoMail(getattr(event, "ticket_id", ""), reason) if reason else event  # agent events name no ticket
    return _from_stream_record(message)


def skip_reason(event: Any) -> str | None:
    """Why an event makes no mail, when the event alone says so."""
    if event.type not in MAILED_EVENTS:
        return "no mail for this event type"
    if event.type == EventType.MESSAGE_ADDED and event.kind != EntryKind.PUBLIC_REPLY.value:
        return "only public replies are mailed"
    if event.type == EventType.TICKET_CREATED and event.automatic:
        return "automatic mail is never acknowledged"
    return None


_LEGACY_TYPES = ("ticket.created", "ticket.released", "entry.added", "ticket.updated")


def _from_stream_record(record: dict[str, Any]) -> Mailed | NoMail:
    """The old message: a stream record whose NewImage is an outbox item with an untyped `payload`."""
    image = record["dynamodb"]["NewImage"]
    if record.get("eventName") != "INSERT" or image["type"]["S"] != "event":
        raise ValueError("not an outbox event")
    payload: dict[str, Any] = json.loads(image["payload"]["S"])
    return _legacy(image["ticket_id"]["S"], image["event_type"]["S"], image["event_id"]["S"], image["at"]["S"], payload)


def _legacy(ticket_id: str, event_type: str, event_id: str, at: str, payload: dict[str, Any]) -> Mailed | NoMail:
    """The typed event an old outbox item's untyped payload stands for (or why it makes no mail)."""
    if not ticket_id:
        raise ValueError("an old-shape event without a ticket id")
    if event_type not in _LEGACY_TYPES:
        return NoMail(ticket_id, "no mail for this event type")
    if event_type == "entry.added" and payload.get("kind") != EntryKind.PUBLIC_REPLY.value:
        return NoMail(ticket_id, "only public replies are mailed")
    if event_type == "ticket.updated" and not payload.get("assignee_changed"):
        return NoMail(ticket_id, "the assignee did not change")
    if event_type == "ticket.created" and payload.get("automatic"):
        return NoMail(ticket_id, "automatic mail is never acknowledged")
    try:
        ticket = repo.get_ticket(ticket_id)
    except TicketNotFound:
        return NoMail(ticket_id, "the ticket no longer exists")
    common: dict[str, Any] = {
        "event_id": event_id,
        "ticket_id": ticket_id,
        "ticket_number": int(ticket.number),
        "ticket_version": int(ticket.version),
        "actor": {"kind": SYSTEM.kind, "id": SYSTEM.id},
        "at": at,
    }
    if event_type == "ticket.created":
        first = payload.get("entry_id") or ""
        return TicketCreated(
            **common, channel=str(payload.get("channel") or ticket.channel), automatic=False, entry_id=first,
            status=ticket.status,
        )  # fmt: skip
    if event_type == "ticket.released":
        return TicketReleased(**common)
    if event_type == "entry.added":
        return MessageAdded(
            **common,
            entry_id=str(payload.get("entry_id")),
            kind="public_reply",
            automatic=bool(payload.get("automatic")),
        )
    # ticket.updated with the assignee changed: the old event named the field, the audit item has the values
    change = next((a for a in reversed(repo.list_audit(ticket_id)) if a.field == "assignee" and a.at == at), None)
    if change is not None:
        common["actor"] = {"kind": change.actor_kind, "id": change.actor_id, "email": change.actor_email or None}
    return TicketAssigned(
        **common,
        old_assignee=change.old if change else None,
        assignee=(change.new if change else ticket.assignee) or None,
    )


# --- one event ----------------------------------------------------------------------------------------------


def no_mail(found: NoMail) -> dict[str, Any]:
    """The result of a message that makes no mail (logged and counted)."""
    logger.info("no mail", extra={"reason": found.reason})
    metrics.add_metric(name="MailSkipped", unit=MetricUnit.Count, value=1)
    return {"sent": False, "ticket_id": found.ticket_id, "reason": found.reason}


def deliver(event: Mailed) -> dict[str, Any]:
    """Send the one mail `event` calls for, if any. Returns what happened (stored as the idempotent result)."""
    from loket.core.data.models import bind_data

    bind_data()
    settings = config.load(NotifierSettings)
    try:
        ticket = repo.get_ticket(event.ticket_id)
    except TicketNotFound:
        return _skipped(event, "the ticket no longer exists")
    planned: Planned
    if isinstance(event, TicketCreated):
        planned = _acknowledgement(event, ticket, settings)
    elif isinstance(event, TicketReleased):
        planned = _acknowledgement_on_release(event, ticket, settings)
    elif isinstance(event, MessageAdded):
        planned = _public_reply(event, ticket, settings)
    elif isinstance(event, SlaWarned | SlaBreached):
        planned = _sla_notice(event, ticket, settings)
    elif isinstance(event, TicketReminded):
        planned = _reminder(event, ticket, settings)
    else:
        planned = _assignment_notice(event, ticket, settings)
    if isinstance(planned, str):
        return _skipped(event, planned)
    out, entry = planned
    mail_log.record_sent_message(ticket.ticket_id, out.message_id, event.at, entry)
    raw = outbound.build(out).as_bytes()
    from loket.platform import ses

    ses_id = ses.send_raw(out.sender.address, out.destinations, raw, settings.ses_region)
    metrics.add_metric(name="MailSent", unit=MetricUnit.Count, value=1)
    logger.info(
        "mail sent", extra={"message_id": out.message_id, "ses_message_id": ses_id, "recipients": len(out.destinations)}
    )
    return {"sent": True, "ticket_id": event.ticket_id, "message_id": out.message_id, "ses_message_id": ses_id}


def _skipped(event: Mailed, reason: str) -> dict[str, Any]:
    return no_mail(NoMail(event.ticket_id, reason))


UNSENDABLE = "{whose} address has a non-ASCII local part: SES sends to 7-bit ASCII addresses only (no SMTPUTF8)"


def _no_address_reason(address: str | None, whose: str, fallback: str) -> str:
    """Why there is nobody to mail: an address SES cannot send to says so, anything else gets `fallback`."""
    return UNSENDABLE.format(whose=whose) if outbound.needs_smtputf8(address) else fallback


Planned = tuple[outbound.Outgoing, EntryItem | None] | str  # the mail (and the entry it carries), or why none


def acknowledgement_skip_reason(channel: str, automatic: bool, status: str, first_kind: str | None) -> str | None:
    """Why a new ticket gets no acknowledgement, or None when it gets one (rules in the module docstring)."""
    if automatic:
        return "automatic mail is never acknowledged"
    if status == Status.QUARANTINED.value:
        return "quarantined tickets are not acknowledged"
    if channel not in ACKNOWLEDGED_CHANNELS:
        return f"tickets opened through the {channel} channel are not acknowledged"
    if first_kind != EntryKind.CUSTOMER_MESSAGE.value:
        return "tickets opened by an agent are not acknowledged"
    return None


def customer_recipients(
    ticket: TicketItem, settings: NotifierSettings, with_cc: bool, groups: Sequence[str] = ()
) -> tuple[list[outbound.Mailbox], list[outbound.Mailbox]]:
    """(To, Cc): the requester and, for replies, the CCs; invalid, duplicate and our own addresses (the support
    address, the sender, the `groups`' addresses) dropped."""
    seen: set[str] = set()
    own = (settings.support_address, settings.sender_address, *groups)

    def keep(address: str | None, name: str = "") -> outbound.Mailbox | None:
        clean = outbound.clean_address(address)
        if clean is None and outbound.needs_smtputf8(address):
            logger.warning("recipient left out", extra={"reason": UNSENDABLE.format(whose="the recipient's")})
        if clean is None or clean.lower() in seen:
            return None
        if is_own_address(clean, own):
            return None
        seen.add(clean.lower())
        return outbound.Mailbox(clean, name)

    to = [m for m in [keep(ticket.requester_email, ticket.requester_name)] if m]
    cc = [m for m in (keep(str(a)) for a in (ticket.cc or [])) if m] if with_cc else []
    if not to and cc:
        to, cc = cc[:1], cc[1:]
    return to, cc


def _extra(ticket: TicketItem) -> dict[str, Any]:
    return ticket.extra if isinstance(ticket.extra, dict) else {}


def _language(ticket: TicketItem, settings: NotifierSettings) -> str:
    return pick(_extra(ticket).get("lang"), settings.default_language)


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "loket.invalid"


def _group_address(ticket: TicketItem, settings: NotifierSettings) -> str | None:
    """The address of the ticket's group when it has one on the support domain (the domain SES sends from and
    receives for: an address elsewhere could neither be sent from nor answered), else None."""
    group = directory.group(ticket.group) if ticket.group else None
    if group is None or not group.address:
        return None
    if _domain(group.address).lower() != _domain(settings.support_address).lower():
        logger.warning("group address off the support domain, not used", extra={"group": group.name})
        return None
    return group.address


def sender_of(ticket: TicketItem, settings: NotifierSettings) -> str:
    """The address a ticket's mail goes out from: its group's address, else the configured sender."""
    return _group_address(ticket, settings) or settings.sender_address


def reply_to_of(ticket: TicketItem, settings: NotifierSettings) -> str:
    """Where a customer's reply goes: the signed plus-address on the group's address, else on the support address."""
    return reply_address(_group_address(ticket, settings) or settings.support_address, int(ticket.number))


def _customer_mail(
    event: Mailed,
    ticket: TicketItem,
    settings: NotifierSettings,
    template: str,
    values: dict[str, Any],
    to: list[outbound.Mailbox],
    cc: list[outbound.Mailbox],
    thread: Sequence[str | None],
    sender_name: str,
    auto_submitted: str | None,
    html: str | None = None,
) -> outbound.Outgoing:
    lang = _language(ticket, settings)
    number = format_number(int(ticket.number))
    rendered = templates.render(template, lang, {"number": number, "team": settings.mail_from_name, **values})
    references = outbound.thread_references(thread)
    sender = sender_of(ticket, settings)
    return outbound.Outgoing(
        sender=outbound.Mailbox(sender, sender_name),
        to=to,
        cc=cc,
        subject=outbound.ticket_subject(int(ticket.number), rendered.subject),
        text=rendered.text,
        html=html,
        message_id=outbound.message_id_for(event.event_id, _domain(sender)),
        ticket_number=int(ticket.number),
        date=clock.now(),
        reply_to=reply_to_of(ticket, settings),
        in_reply_to=references[-1] if references else None,
        references=references,
        auto_submitted=auto_submitted,
        language=lang,
    )


def _acknowledgement(event: TicketCreated, ticket: TicketItem, settings: NotifierSettings) -> Planned:
    entries = repo.list_entries(ticket.ticket_id)
    first = next((e for e in entries if e.entry_id == event.entry_id), entries[0] if entries else None)
    # held at creation (even if released since): the `ticket.released` event acknowledges it, once
    held = ticket.status == Status.QUARANTINED.value or "quarantine" in _extra(ticket)
    reason = acknowledgement_skip_reason(
        event.channel or ticket.channel,
        event.automatic,
        Status.QUARANTINED.value if held else ticket.status,
        first.kind if first else None,
    )
    return reason or _acknowledgement_mail(event, ticket, settings, first)


def _acknowledgement_mail(
    event: Mailed, ticket: TicketItem, settings: NotifierSettings, first: EntryItem | None
) -> Planned:
    to, _cc = customer_recipients(ticket, settings, with_cc=False, groups=list(directory.group_addresses()))
    if not to:
        return _no_address_reason(ticket.requester_email, "the requester's", "the requester has no address we can mail")
    if not limits.hit("ack", to[0].address, settings.ack_limit_per_hour, 3600):
        return "acknowledgement limit for this requester reached (a loop or a flood)"
    lang = _language(ticket, settings)
    values = {
        "subject": outbound.header_text(ticket.subject),
        "greeting": templates.greeting(lang, outbound.header_text(ticket.requester_name, 100)),
        "status_link": templates.status_link(lang, _status_url(ticket, settings, lang)),
    }
    thread = [first.message_id] if first else []
    out = _customer_mail(
        event,
        ticket,
        settings,
        "acknowledgement",
        values,
        to,
        [],
        thread,
        settings.mail_from_name,
        outbound.AUTO_REPLIED,
    )
    return out, None


def _reminder(event: TicketReminded, ticket: TicketItem, settings: NotifierSettings) -> Planned:
    """The customer's reminder that we wait for their reply, to the requester and the CCs like a public reply."""
    if ticket.status != Status.PENDING.value:
        return "the ticket no longer waits on the customer"
    to, cc = customer_recipients(ticket, settings, with_cc=True, groups=list(directory.group_addresses()))
    if not to:
        return _no_address_reason(ticket.requester_email, "the requester's", "the ticket has no address we can mail")
    if not limits.hit("ack", to[0].address, settings.ack_limit_per_hour, 3600):
        return "automatic mail limit for this requester reached (a loop or a flood)"
    lang = _language(ticket, settings)
    values = {
        "subject": outbound.header_text(ticket.subject),
        "greeting": templates.greeting(lang, outbound.header_text(ticket.requester_name, 100)),
        "resolves_at": parse_iso(event.resolves_at).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "status_link": templates.status_link(lang, _status_url(ticket, settings, lang)),
    }
    thread = [e.message_id for e in repo.list_entries(ticket.ticket_id)]
    out = _customer_mail(
        event, ticket, settings, "reminder", values, to, cc, thread, settings.mail_from_name, outbound.AUTO_GENERATED
    )
    return out, None


def _status_url(ticket: TicketItem, settings: NotifierSettings, lang: str) -> str | None:
    """The customer's signed status-page link (the web form's `/status/LKT-n?t=...`), when PUBLIC_BASE_URL is set."""
    if not settings.public_base_url:
        return None
    number = int(ticket.number)
    return status_links.url(settings.public_base_url, number, status_links.token(ticket.ticket_id), lang)


def _acknowledgement_on_release(event: TicketReleased, ticket: TicketItem, settings: NotifierSettings) -> Planned:
    """A quarantined ticket an agent let in gets the acknowledgement it was held back from.

    Whether the held mail was automatic is in the `ticket.created` event, kept for a week: after that,
    or if it was automatic, no acknowledgement (never answer a machine).
    """
    created = mail_log.created_event_payload(ticket.ticket_id)
    if created is None:
        return "the ticket's creation event has expired: no acknowledgement on release"
    entries = repo.list_entries(ticket.ticket_id)
    first = next((e for e in entries if e.entry_id == created.get("entry_id")), entries[0] if entries else None)
    reason = acknowledgement_skip_reason(
        str(created.get("channel") or ticket.channel),
        bool(created.get("automatic")),
        ticket.status,
        first.kind if first else None,
    )
    return reason or _acknowledgement_mail(event, ticket, settings, first)


def _public_reply(event: MessageAdded, ticket: TicketItem, settings: NotifierSettings) -> Planned:
    if event.kind != EntryKind.PUBLIC_REPLY.value:
        return "only public replies are mailed"
    entries = repo.list_entries(ticket.ticket_id)
    position = next((i for i, e in enumerate(entries) if e.entry_id == event.entry_id), None)
    if position is None:
        return "the reply entry no longer exists"
    entry = entries[position]
    if not (entry.body_text or "").strip():
        return "the reply is empty"
    to, cc = customer_recipients(ticket, settings, with_cc=True, groups=list(directory.group_addresses()))
    if not to:
        return _no_address_reason(ticket.requester_email, "the requester's", "the ticket has no address we can mail")
    author = outbound.header_text(entry.author_name or "", 100)
    sender_name = f"{author} ({settings.mail_from_name})" if author else settings.mail_from_name
    values = {
        "subject": outbound.header_text(ticket.subject),
        "body": entry.body_text,
        "author": f"{author}\n" if author else "",
    }
    html = _reply_html(entry)
    auto = outbound.AUTO_GENERATED if event.automatic else None
    thread = [e.message_id for e in entries[:position]]
    out = _customer_mail(event, ticket, settings, "reply", values, to, cc, thread, sender_name, auto, html)
    out.files = _files_of(entry)
    return out, entry


def _files_of(entry: EntryItem) -> list[outbound.File]:
    """The files the agent attached; one deleted from the bucket since is left out (the reply still goes)."""
    from loket.platform import attachments as storage

    files = []
    for a in entry.attachments or []:
        try:
            files.append(outbound.File(a.filename, a.content_type, storage.read(a.key)))
        except storage.Missing:
            logger.warning("attachment missing from the bucket, mailed without it", extra={"key": a.key})
    return files


def _reply_html(entry: EntryItem) -> str | None:
    if not entry.body_html:
        return None
    import nh3

    return nh3.clean(entry.body_html)


def _assignment_notice(event: TicketAssigned, ticket: TicketItem, settings: NotifierSettings) -> Planned:
    assignee = event.assignee
    if not assignee:
        return "the ticket was unassigned"
    if event.actor.id == assignee:
        return "the agent assigned the ticket to themself"
    if ticket.assignee != assignee:
        return "the ticket was reassigned since"
    listed = directory.email_of(str(assignee))
    address = outbound.clean_address(listed)
    if address is None:
        reason = _no_address_reason(listed, "the assignee's", "the directory has no agent with the assignee's id")
        logger.warning("no address to send the assignment notice to", extra={"assignee": assignee, "reason": reason})
        return reason
    lang = pick(None, settings.default_language)
    rendered = templates.render(
        "assignment",
        lang,
        {
            "number": format_number(int(ticket.number)),
            "subject": outbound.header_text(ticket.subject),
            "requester": outbound.header_text(f"{ticket.requester_name} <{ticket.requester_email}>".strip(), 200),
            "priority": ticket.priority,
            "status": ticket.status,
            "group": ticket.group,
            "team": settings.mail_from_name,
        },
    )
    sender = sender_of(ticket, settings)
    out = outbound.Outgoing(
        sender=outbound.Mailbox(sender, settings.mail_from_name),
        to=[outbound.Mailbox(address)],
        subject=outbound.ticket_subject(int(ticket.number), rendered.subject),
        text=rendered.text,
        message_id=outbound.message_id_for(event.event_id, _domain(sender)),
        ticket_number=int(ticket.number),
        date=clock.now(),
        auto_submitted=outbound.AUTO_GENERATED,
        language=lang,
    )
    return out, None


# --- SLA notices (to agents) ----------------------------------------------------------------------------------


def sla_recipients(event: SlaWarned | SlaBreached, ticket: TicketItem) -> list[str]:
    """The agent ids an SLA notice goes to, in order, each once: the ticket's assignee, and the leads of its group
    (on a warning only when nobody is assigned)."""
    ids: list[str] = [str(ticket.assignee)] if ticket.assignee else []
    if ticket.group and (isinstance(event, SlaBreached) or not ids):
        leads = [a for a in directory.agents() if a.role == "lead" and ticket.group in a.groups]
        ids.extend(a.agent_id for a in leads)
    return list(dict.fromkeys(ids))


def _sla_notice(event: SlaWarned | SlaBreached, ticket: TicketItem, settings: NotifierSettings) -> Planned:
    ids = sla_recipients(event, ticket)
    if not ids:
        return "the ticket has no assignee and its group no lead"
    to: list[outbound.Mailbox] = []
    for agent_id in ids:
        listed = directory.email_of(agent_id)
        address = outbound.clean_address(listed)
        if address is None:
            reason = _no_address_reason(listed, "the agent's", "the directory has no agent with this id")
            logger.warning("SLA notice recipient left out", extra={"agent": agent_id, "reason": reason})
        elif address.lower() not in {m.address.lower() for m in to}:
            to.append(outbound.Mailbox(address))
    if not to:
        return "no recipient of the SLA notice has an address we can mail"
    lang = pick(None, settings.default_language)
    due = parse_iso(event.due_at) if event.due_at else None
    rendered = templates.render(
        "sla_warning" if isinstance(event, SlaWarned) else "sla_breach",
        lang,
        {
            "number": format_number(int(ticket.number)),
            "subject": outbound.header_text(ticket.subject),
            "requester": outbound.header_text(f"{ticket.requester_name} <{ticket.requester_email}>".strip(), 200),
            "metric": templates.SLA_METRICS[lang][event.metric],
            "due_at": due.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if due else "-",
            "policy": outbound.header_text(event.policy, 100),
            "target": event.target_minutes,
            "priority": ticket.priority,
            "status": ticket.status,
            "group": ticket.group or "-",
            "team": settings.mail_from_name,
        },
    )
    out = outbound.Outgoing(
        sender=outbound.Mailbox(settings.sender_address, settings.mail_from_name),
        to=to,
        subject=outbound.ticket_subject(int(ticket.number), rendered.subject),
        text=rendered.text,
        message_id=outbound.message_id_for(event.event_id, _domain(settings.sender_address)),
        ticket_number=int(ticket.number),
        date=clock.now(),
        auto_submitted=outbound.AUTO_GENERATED,
        language=lang,
    )
    return out, None
