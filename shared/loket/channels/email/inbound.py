"""Inbound email: one mail that SES stored in S3 becomes a ticket, a message on a ticket, or a quarantined ticket.

Steps, each safe to repeat (SES invokes the function asynchronously and Lambda retries it):

1. read the raw mail from the mail bucket (never changed, so the full original is always there);
2. parse it (`loket.channels.email.parse`); a mail nothing can read becomes a quarantined ticket with the reason;
3. the same Message-ID recorded before -> this mail was handled already: nothing more (one message);
4. SES verdicts: virus FAIL quarantines (not releasable), spam FAIL quarantines (releasable);
5. the loop gate and the per-sender burst limit mark the mail `automatic` (no acknowledgement), with reasons;
6. threading (`loket.channels.email.threads`): In-Reply-To/References, signed plus-address (of the support address
   or a group's), subject token, else new;
7. a new ticket's group: the first envelope recipient that is a group's address (`loket.core.directory`), else the
   default group. A new ticket none of whose envelope recipients is ours (the receipt rule takes the whole support
   domain, so `sales@` or a deleted group's address arrives too) is quarantined, releasable, naming the recipients;
8. attachments to the attachments bucket under the mail's own prefix (same keys on a retry), then one
   transactional write through `loket.core.tickets`; a Message-ID recorded meanwhile is a duplicate.

Bad content never raises: only the infrastructure can (S3/DynamoDB errors), and then Lambda retries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any

from loket.channels.email import loops, store, threads
from loket.channels.email.address import ticket_number_from
from loket.channels.email.parse import MailParseError, ParsedMail, parse_message
from loket.channels.email.quote import strip_quoted
from loket.channels.email.ses import SesNotice
from loket.channels.email.settings import InboundSettings
from loket.core import directory
from loket.core import tickets as service
from loket.core.data import keys, limits
from loket.core.data import tickets as repo
from loket.core.data.models import TicketItem
from loket.core.domain.addresses import is_own_address
from loket.core.domain.errors import TicketNotFound
from loket.core.domain.ticket import Actor, AttachmentRef, Channel, EntryKind, normalize_email
from loket.platform import attachments, config
from loket.platform.attachments import PREFIXES, key_name
from loket.platform.config import AttachmentSettings
from loket.platform.observability import TICKET_CREATED, count, logger

MAX_TEXT_BYTES = 100_000  # an entry item holds text and HTML; DynamoDB items stop at 400 KB
MAX_HTML_BYTES = 200_000
MAX_CC = 20
MAX_LISTED = 30  # skipped attachments named on the entry; the rest are counted (the item must stay small)
MAX_NAME = 200
_MERGE_HOPS = 5
UNKNOWN_SENDER = "unknown-sender@invalid"

# outcomes
CREATED = "created"
ADDED = "added"
FOLLOW_UP = "follow_up"
DUPLICATE = "duplicate"
QUARANTINED = "quarantined"

GROUP_ADDRESS = service.GROUP_ADDRESS  # ticket.extra key: the mail came to this group's address


@dataclass
class InboundResult:
    outcome: str
    ticket_id: str | None = None
    ticket_number: int | None = None
    thread_rule: str | None = None
    automatic: bool = False
    reasons: list[str] = field(default_factory=list)
    quarantine: str | None = None


def receive(notice: SesNotice) -> InboundResult:
    """Turn one received mail into ticket data. Idempotent on the mail's Message-ID."""
    settings = config.load(InboundSettings)
    raw_ref = {"bucket": settings.mail_bucket, "key": f"{settings.mail_prefix}{notice.ses_message_id}"}
    log = {"ses_message_id": notice.ses_message_id}
    try:
        raw = store.read_raw(raw_ref["bucket"], raw_ref["key"], settings.mail_max_bytes)
    except store.RawMailTooLarge as exc:
        return _quarantine_unreadable(notice, raw_ref, f"too large: {exc}")
    try:
        mail = parse_message(raw)
    except MailParseError as exc:
        return _quarantine_unreadable(notice, raw_ref, f"unparseable: {exc}")
    except Exception as exc:  # the parser promises not to raise; if it does, keep the mail anyway
        logger.exception("mail parser raised", extra=log)
        return _quarantine_unreadable(notice, raw_ref, f"unparseable: {type(exc).__name__}")
    del raw

    message_id = mail.message_id or notice.header_message_id.strip("<> ") or _synthetic_id(notice)
    known = repo.find_lookup(keys.message_id_pk(message_id))
    if known is not None:
        count("InboundDuplicate")
        logger.info("mail already recorded", extra={**log, "ticket_id": known})
        return InboundResult(DUPLICATE, ticket_id=known)

    sender = mail.from_email or _address(notice.source) or _first_address(notice.header_from) or UNKNOWN_SENDER
    groups = directory.group_addresses()
    own = [settings.support_address, *groups]
    reasons = loops.gate_reasons(mail, notice.source, own)
    if sender != UNKNOWN_SENDER and not limits.hit(
        "mail-sender", sender, settings.mail_sender_burst_limit, settings.mail_sender_burst_window_seconds
    ):
        reasons.append(loops.BURST)

    quarantine: tuple[str, bool] | None = None
    if notice.virus_failed:
        quarantine = ("virus: SES virus verdict FAIL", False)
    elif notice.spam_failed:
        quarantine = ("spam: SES spam verdict FAIL", True)

    ticket, rule = _find_thread(mail, notice, sender, message_id, own, bounced=loops.DSN in reasons)
    group = _group_of(notice.recipients, groups)
    if quarantine is None and ticket is None and (stranger := _unknown_recipients(notice.recipients, own)):
        quarantine = (f"recipient: {stranger} is neither the support address nor a group's address", True)
    if quarantine is not None and ticket is not None:
        # held mail never enters a live conversation; the agent who releases it sees where it belonged
        thread_hint: dict[str, Any] = {"ticket_id": ticket.ticket_id, "number": ticket.number, "rule": rule}
        ticket, rule = None, threads.NEW
    else:
        thread_hint = {}

    prefix = f"{PREFIXES['mail']}{key_name(notice.ses_message_id or message_id)}"
    refs, inline, skipped = _store_attachments(mail, prefix, keep=not notice.virus_failed)
    text, html, body_notes = _bounded_bodies(mail)
    stripped = False
    if ticket is not None:
        text, stripped = strip_quoted(text)

    extra: dict[str, Any] = {
        "mail": {
            "raw": raw_ref,
            "ses_message_id": notice.ses_message_id,
            "message_id": message_id,
            "from": sender,
            "to": mail.to[:MAX_CC],
            "cc": mail.cc[:MAX_CC],
            "subject": mail.subject,
            "date": mail.date,
            "verdicts": notice.verdicts(),
            "thread_rule": rule,
            "gate": reasons,
            "quoted_stripped": stripped,
            "parser": mail.parser,
        }
    }
    details = extra["mail"]
    if inline:
        details["inline"] = inline
    if skipped:
        details["skipped_attachments"] = skipped[:MAX_LISTED]
        if len(skipped) > MAX_LISTED:
            details["skipped_attachments_total"] = len(skipped)
    if body_notes:
        details["body"] = body_notes
    if mail.defects:
        details["defects"] = mail.defects[:20]
    if thread_hint:
        details["belongs_to"] = thread_hint
    if mail.calendar_method:
        details["calendar_method"] = mail.calendar_method

    actor = Actor(kind="customer", id=sender, email=sender)
    automatic = bool(reasons)
    result = InboundResult(CREATED, thread_rule=rule, automatic=automatic, reasons=reasons)
    try:
        if ticket is not None:
            added = service.add_entry(
                ticket,
                service.NewEntry(
                    EntryKind.CUSTOMER_MESSAGE,
                    actor,
                    text,
                    html,
                    refs,
                    message_id=message_id,
                    channel=Channel.EMAIL,
                    author_name=mail.from_name[:MAX_NAME],
                    extra=extra,
                    automatic=automatic,
                ),
            )
            result.outcome = FOLLOW_UP if added.follow_up else ADDED
            result.ticket_id, result.ticket_number = added.ticket.ticket_id, int(added.ticket.number)
        else:
            created, _ = service.create_ticket(
                service.NewTicket(
                    subject=mail.subject or "(no subject)",
                    body_text=text,
                    body_html=html,
                    requester_email=sender,
                    requester_name=mail.from_name[:MAX_NAME],
                    channel=Channel.EMAIL,
                    cc=_ticket_cc(mail, sender, own),
                    attachments=refs,
                    message_id=message_id,
                    group=group,
                    extra=_ticket_extra(notice, reasons, group, groups),
                    entry_extra=extra,
                    automatic=automatic,
                    quarantine_reason=quarantine[0] if quarantine else None,
                    quarantine_releasable=quarantine[1] if quarantine else True,
                ),
                actor,
            )
            result.outcome = QUARANTINED if quarantine else CREATED
            result.quarantine = quarantine[0] if quarantine else None
            result.ticket_id, result.ticket_number = created.ticket_id, int(created.number)
    except repo.DuplicateLookup as exc:  # the same mail, recorded by a concurrent delivery
        count("InboundDuplicate")
        return InboundResult(DUPLICATE, ticket_id=exc.ticket_id)
    if result.outcome == CREATED:
        count(TICKET_CREATED, channel=Channel.EMAIL.value)
    else:
        count(f"Inbound{result.outcome.title().replace('_', '')}")
    if automatic:
        count("InboundAutomatic")
    logger.info("mail recorded", extra={**log, "outcome": result.outcome, "ticket_id": result.ticket_id, "rule": rule,
                                         "gate": reasons})  # fmt: skip
    return result


# --- threading -----------------------------------------------------------------------------------------


def _find_thread(
    mail: ParsedMail, notice: SesNotice, sender: str, message_id: str, own: list[str], bounced: bool = False
) -> tuple[TicketItem | None, str]:
    for candidate in threads.reply_candidates(mail, message_id):
        ticket_id = repo.find_lookup(keys.message_id_pk(candidate))
        if ticket_id and (ticket := _live(ticket_id)) is not None:
            return ticket, threads.BY_HEADER
    returned = threads.returned_message_id(mail) if bounced else None
    returned_to = repo.find_lookup(keys.message_id_pk(returned)) if returned else None
    if returned_to and (ticket := _live(returned_to)) is not None:
        return ticket, threads.BY_RETURNED
    for address in [*notice.recipients, *mail.to, *mail.cc]:
        number = ticket_number_from(address, own)
        if number is not None and (ticket := _by_number(number)) is not None:
            return ticket, threads.BY_ADDRESS
    number = threads.subject_number(mail.subject)
    if number is not None and not notice.dmarc_failed and (ticket := _by_number(number)) is not None:
        who = normalize_email(sender)
        if who == ticket.requester_email or who in (ticket.cc or []):
            return ticket, threads.BY_SUBJECT
    return None, threads.NEW


def _by_number(number: int) -> TicketItem | None:
    ticket_id = repo.find_lookup(keys.number_pk(number))
    return _live(ticket_id) if ticket_id else None


def _live(ticket_id: str) -> TicketItem | None:
    """The ticket, or the one it was merged into (replies to a merged ticket reach the merge target)."""
    for _hop in range(_MERGE_HOPS):
        try:
            ticket = repo.get_ticket(ticket_id)
        except TicketNotFound:
            return None
        if not ticket.merged_into:
            return ticket
        ticket_id = ticket.merged_into
    return ticket


# --- recipients ----------------------------------------------------------------------------------------


def _unlabelled(address: str) -> str:
    local, _, domain = _address(address).rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if local else ""


def _group_of(recipients: list[str], groups: dict[str, str]) -> str | None:
    """The group of the first envelope recipient that is a group's address (plus-tags ignored), else None."""
    return next((groups[a] for a in map(_unlabelled, recipients) if a in groups), None)


def _unknown_recipients(recipients: list[str], own: list[str]) -> str | None:
    """The envelope recipients, named, when none of them is ours (the support address or a group's, any plus-tag);
    None when one is, or when SES named none."""
    if not recipients or any(is_own_address(r, own) for r in recipients):
        return None
    return ", ".join(_address(r) or r for r in recipients[:5])[:300]


def _ticket_extra(notice: SesNotice, reasons: list[str], group: str | None, groups: dict[str, str]) -> dict[str, Any]:
    extra: dict[str, Any] = {"mail": {"verdicts": notice.verdicts(), "gate": reasons}}
    if group is not None:
        # routing: a rule may still move the ticket, the default group never takes it back (features/routing)
        address = next(a for a, name in groups.items() if name == group)
        extra[GROUP_ADDRESS] = {"group": group, "address": address}
    return extra


# --- content -------------------------------------------------------------------------------------------


def _store_attachments(
    mail: ParsedMail, prefix: str, keep: bool
) -> tuple[list[AttachmentRef], dict[str, str], list[dict[str, Any]]]:
    settings = config.load(InboundSettings)
    refs: list[AttachmentRef] = []
    inline: dict[str, str] = {}
    skipped: list[dict[str, Any]] = []
    for n, part in enumerate(mail.attachments):
        size = len(part.data)
        why = None
        if not keep:
            why = "held back: the mail failed the virus scan"
        elif not config.load(AttachmentSettings).attachments_bucket:
            why = "no attachments bucket configured"
        elif len(refs) >= settings.mail_max_attachments:
            why = f"more than {settings.mail_max_attachments} attachments"
        elif size > settings.mail_max_attachment_bytes:
            why = f"larger than {settings.mail_max_attachment_bytes} bytes"
        if why:
            skipped.append({"filename": part.filename, "content_type": part.content_type, "size": size, "reason": why})
            continue
        key = f"{prefix}/{n:02d}-{key_name(part.filename)}"
        attachments.put(key, part.data, part.content_type, filename=part.filename)
        refs.append(AttachmentRef(key=key, filename=part.filename, content_type=part.content_type, size=size))
        if part.inline and part.content_id:
            inline[part.content_id] = key
    return refs, inline, skipped


def _cut(text: str, limit: int) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def _bounded_bodies(mail: ParsedMail) -> tuple[str, str | None, dict[str, Any]]:
    notes: dict[str, Any] = {}
    text = mail.text
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        text = _cut(text, MAX_TEXT_BYTES) + "\n\n[... cut here; the full message is in the original mail]"
        notes["text_truncated"] = True
    html = mail.html
    if html is not None and len(html.encode("utf-8")) > MAX_HTML_BYTES:
        html = None
        notes["html_dropped"] = True
    if not text.strip() and not html:
        text = "(this mail has no text)"
        notes["empty"] = True
    return text, html, notes


def _ticket_cc(mail: ParsedMail, sender: str, own: list[str]) -> list[str]:
    found: dict[str, None] = {}
    for address in [*mail.to, *mail.cc]:
        if address != sender and not is_own_address(address, own):
            found[address] = None
    return list(found)[:MAX_CC]


# --- unreadable mail -----------------------------------------------------------------------------------


def _address(value: str) -> str:
    _name, address = parseaddr(value or "")
    address = address.strip().lower()
    return address if "@" in address else ""


def _first_address(values: list[str]) -> str:
    for value in values:
        if found := _address(value):
            return found
    return ""


def _synthetic_id(notice: SesNotice) -> str:
    return f"{notice.ses_message_id or 'unknown'}@ses.inbound.invalid"


def _quarantine_unreadable(notice: SesNotice, raw_ref: dict[str, str], reason: str) -> InboundResult:
    """Keep a mail Loket cannot read: a quarantined ticket pointing at the raw original, and a report."""
    count("InboundUnreadable")
    logger.error("inbound mail could not be read", extra={"ses_message_id": notice.ses_message_id, "reason": reason})
    message_id = notice.header_message_id.strip("<> ") or _synthetic_id(notice)
    if (known := repo.find_lookup(keys.message_id_pk(message_id))) is not None:
        return InboundResult(DUPLICATE, ticket_id=known)
    sender = _first_address(notice.header_from) or _address(notice.source) or UNKNOWN_SENDER
    body = (
        f"Loket could not read this mail ({reason}). The original is kept unchanged at "
        f"s3://{raw_ref['bucket']}/{raw_ref['key']}."
    )
    extra = {"mail": {"raw": raw_ref, "ses_message_id": notice.ses_message_id, "message_id": message_id,
                      "verdicts": notice.verdicts(), "unreadable": reason}}  # fmt: skip
    try:
        created, _ = service.create_ticket(
            service.NewTicket(
                subject=(notice.subject or "(unreadable mail)")[:998],
                body_text=body,
                requester_email=sender,
                channel=Channel.EMAIL,
                message_id=message_id,
                entry_extra=extra,
                extra={"mail": {"verdicts": notice.verdicts()}},
                automatic=True,
                quarantine_reason=reason[:500],
                quarantine_releasable=not notice.virus_failed,
            ),
            Actor(kind="customer", id=sender, email=sender),
        )
    except repo.DuplicateLookup as exc:
        return InboundResult(DUPLICATE, ticket_id=exc.ticket_id)
    return InboundResult(
        QUARANTINED, ticket_id=created.ticket_id, ticket_number=int(created.number), automatic=True, quarantine=reason
    )
