"""Ticket use cases: create, read, list, change, reply, note, merge. Called by every entry point."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from loket.core import events
from loket.core.data import tickets as repo
from loket.core.data.keys import entry_sk, ticket_pk
from loket.core.data.models import Attachment, EntryItem, OutboxItem, TicketItem
from loket.core.domain import clock
from loket.core.domain.errors import (
    AttachmentNotFound,
    InvalidRequest,
    InvalidTransition,
    ReferenceNotFound,
    TicketNotFound,
    VersionConflict,
)
from loket.core.domain.scope import Scope
from loket.core.domain.ticket import (
    SYSTEM,
    Action,
    Actor,
    AttachmentRef,
    AuditEvent,
    Change,
    Channel,
    EntryKind,
    Outcome,
    Priority,
    Status,
    action_for_status,
    apply_action,
    format_number,
    normalize_email,
    normalize_tags,
)
from loket.core.domain.words import words
from loket.core.events import EventType
from loket.platform import attachments as storage

# fields an agent may PATCH; everything else on a ticket is owned by the system
PATCHABLE = ("subject", "status", "priority", "assignee", "group", "tags", "ticket_type", "custom_fields", "cc")


@dataclass
class NewTicket:
    subject: str
    body_text: str
    requester_email: str
    channel: Channel
    requester_name: str = ""
    body_html: str | None = None
    priority: Priority = Priority.NORMAL
    group: str | None = None
    assignee: str | None = None
    tags: list[str] = field(default_factory=list)
    ticket_type: str | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)
    cc: list[str] = field(default_factory=list)
    attachments: list[AttachmentRef] = field(default_factory=list)
    message_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    entry_extra: dict[str, Any] = field(default_factory=dict)
    automatic: bool = False  # sent by a machine (auto-reply, bounce): no acknowledgement goes back
    # set by the mail gate: the ticket starts quarantined, with the reason, and is listed by agents there
    quarantine_reason: str | None = None
    quarantine_releasable: bool = True


def _new_id() -> str:
    return uuid.uuid4().hex


def _event(event_type: EventType, ticket: TicketItem, actor: Actor, at: str, **fields: Any) -> OutboxItem:
    """The outbox item of one typed event about `ticket` as it will be once saved (its version after the save)."""
    version = int(ticket.attribute_values.get("version") or 0) + 1
    event = events.build(
        event_type,
        ticket_id=ticket.ticket_id,
        ticket_number=int(ticket.number),
        ticket_version=version,
        actor=actor,
        at=at,
        **fields,
    )
    return repo.outbox_item(event)


def _entry(
    ticket_id: str,
    kind: EntryKind,
    actor: Actor,
    at: str,
    body_text: str,
    body_html: str | None = None,
    attachments: Iterable[AttachmentRef] = (),
    message_id: str | None = None,
    channel: str | None = None,
    author_name: str = "",
    extra: dict[str, Any] | None = None,
) -> EntryItem:
    entry_id = _new_id()
    return EntryItem(
        ticket_pk(ticket_id),
        entry_sk(at, entry_id),
        item_type="entry",
        ticket_id=ticket_id,
        entry_id=entry_id,
        kind=kind.value,
        author_kind=actor.kind,
        author_id=actor.id,
        author_email=actor.email,
        author_name=author_name,
        body_text=body_text,
        body_html=body_html,
        attachments=[
            Attachment(key=a.key, filename=a.filename, content_type=a.content_type, size=a.size) for a in attachments
        ],
        message_id=message_id,
        channel=channel,
        created_at=at,
        extra=extra or {},
    )


def resolve(ref: str, scope: Scope | None = None) -> TicketItem:
    """A ticket by id or by human number (`LKT-1042`); with `scope`, one outside it is not found, like a ticket
    that does not exist."""
    return repo.resolve(ref, scope)


DOWNLOAD_SECONDS = 300  # how long a download link works; the console asks for a fresh one on every click


@dataclass(frozen=True)
class Download:
    attachment: Attachment
    url: str
    expires_in: int


def attachment_download(ref: str | TicketItem, entry_id: str, index: int, kinds: set[str] | None = None) -> Download:
    """A short-lived link that downloads attachment `index` of an entry of one of `kinds` (default any kind:
    agents see notes too)."""
    ticket = ref if isinstance(ref, TicketItem) else resolve(ref)
    entry = repo.find_entry(ticket.ticket_id, entry_id, kinds)
    if entry is None or not 0 <= index < len(entry.attachments):
        shown = ref if isinstance(ref, str) else format_number(int(ticket.number))
        raise AttachmentNotFound(shown, entry_id, index)
    attachment = entry.attachments[index]
    url = storage.download_url(attachment.key, attachment.filename, DOWNLOAD_SECONDS)
    return Download(attachment, url, DOWNLOAD_SECONDS)


def create_ticket(
    new: NewTicket,
    actor: Actor,
    client_key: str | None = None,
    follow_up_of: TicketItem | None = None,
    now: datetime | None = None,
) -> tuple[TicketItem, bool]:
    """Open a ticket with its first message. Returns (ticket, created); created is False on a retry."""
    from loket.core.data.settings import DataSettings
    from loket.platform import config

    moment = now or clock.now()
    at = clock.iso(moment)
    ticket_id = _new_id()
    tags = normalize_tags(new.tags)
    ticket = TicketItem(
        ticket_id=ticket_id,
        number=0,
        subject=new.subject,
        status=Status.NEW.value,
        priority=new.priority.value,
        channel=new.channel.value,
        requester_email=normalize_email(new.requester_email),
        requester_name=new.requester_name,
        cc=[normalize_email(c) for c in new.cc],
        group=new.group or config.load(DataSettings).default_group,
        assignee=new.assignee,
        tags=tags,
        ticket_type=new.ticket_type,
        custom_fields=new.custom_fields,
        created_at=at,
        updated_at=at,
        follow_up_of=follow_up_of.ticket_id if follow_up_of else None,
        entry_count=1,
        extra=new.extra,
    )
    if new.assignee:
        ticket.status = Status.OPEN.value
    if new.quarantine_reason:
        ticket.status = Status.QUARANTINED.value
        ticket.extra = {
            **(new.extra or {}),
            "quarantine": {"reason": new.quarantine_reason, "releasable": new.quarantine_releasable},
        }
    kind = EntryKind.PUBLIC_REPLY if actor.kind == "agent" else EntryKind.CUSTOMER_MESSAGE
    entries = [
        _entry(
            ticket_id,
            kind,
            actor,
            at,
            new.body_text,
            new.body_html,
            new.attachments,
            new.message_id,
            new.channel.value,
            author_name=new.requester_name if actor.kind == "customer" else "",
            extra=new.entry_extra,
        )
    ]
    if follow_up_of is not None:
        note_at = clock.iso(moment + timedelta(microseconds=1))  # sorts right after the message
        entries.append(
            _entry(
                ticket_id,
                EntryKind.SYSTEM,
                SYSTEM,
                note_at,
                f"Follow-up of {format_number(int(follow_up_of.number))}, which is closed.",
            )
        )
    audit = [AuditEvent(actor, "created", None, {"channel": new.channel.value, "subject": new.subject}, moment)]

    def outbox_of(numbered: TicketItem) -> list[OutboxItem]:  # the number is known once the counter moved
        created = _event(
            EventType.TICKET_CREATED,
            numbered,
            actor,
            at,
            channel=new.channel.value,
            automatic=new.automatic,
            entry_id=entries[0].entry_id,
            status=numbered.status,
            follow_up_of=numbered.follow_up_of,
        )
        return [created]

    ticket, created = repo.create_ticket(
        ticket,
        entries,
        client_key=client_key,
        message_ids=[new.message_id] if new.message_id else [],
        events=audit,
        outbox=outbox_of,
    )
    return ticket, created


@dataclass
class EntryResult:
    ticket: TicketItem
    entry: EntryItem
    follow_up: bool = False


def _change_status(ticket: TicketItem, change: Change, action: Action) -> Outcome:
    new_status, outcome = apply_action(Status(ticket.status), action)
    if outcome is Outcome.APPLY:
        _set(ticket, change, "status", new_status.value)
    return outcome


def _set(ticket: TicketItem, change: Change, name: str, value: Any) -> None:
    old = getattr(ticket, name)
    change.set(name, old, value)
    setattr(ticket, name, value)
    if name == "status":
        if value == Status.RESOLVED.value:
            ticket.resolved_at = clock.iso(change.at)
        elif value == Status.CLOSED.value:
            ticket.closed_at = clock.iso(change.at)
        elif old == Status.RESOLVED.value:
            ticket.resolved_at = None


@dataclass(frozen=True)
class NewEntry:
    """A conversation entry to add: what `add_entry` takes."""

    kind: EntryKind
    actor: Actor
    body_text: str
    body_html: str | None = None
    attachments: Sequence[AttachmentRef] = ()  # kept as a tuple
    message_id: str | None = None  # the mail's Message-ID (unique: the same mail twice is refused)
    channel: Channel | None = None
    author_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    automatic: bool = False  # sent by a machine (auto-reply, bounce): nothing answers it
    at: datetime | None = None  # when it happened (default: now)

    def __post_init__(self) -> None:
        object.__setattr__(self, "attachments", tuple(self.attachments))


def _entry_event(entry: EntryItem, new: NewEntry) -> tuple[EventType, dict[str, Any]]:
    """message.added for what the customer sees (their messages, public replies), note.added for the rest."""
    if new.kind in (EntryKind.CUSTOMER_MESSAGE, EntryKind.PUBLIC_REPLY):
        return EventType.MESSAGE_ADDED, {"entry_id": entry.entry_id, "kind": new.kind.value, "automatic": new.automatic}
    return EventType.NOTE_ADDED, {"entry_id": entry.entry_id, "kind": new.kind.value}


def add_entry(ref: str | TicketItem, new: NewEntry) -> EntryResult:
    """Add a conversation entry and apply its status rule.

    A customer message on a closed ticket opens a linked follow-up ticket instead.
    """
    moment = new.at or clock.now()
    kind, actor = new.kind, new.actor
    for _attempt in range(3):
        ticket = resolve(ref) if isinstance(ref, str) else repo.get_ticket(ref.ticket_id)
        action = {
            EntryKind.CUSTOMER_MESSAGE: Action.CUSTOMER_MESSAGE,
            EntryKind.PUBLIC_REPLY: Action.AGENT_REPLY,
            EntryKind.INTERNAL_NOTE: Action.INTERNAL_NOTE,
        }.get(kind)
        change = Change(actor, moment)
        if action is not None and _change_status(ticket, change, action) is Outcome.FOLLOW_UP:
            return _follow_up(ticket, new, moment)
        at = clock.iso(moment)
        entry = _entry(
            ticket.ticket_id, kind, actor, at, new.body_text, new.body_html, new.attachments, new.message_id,
            new.channel.value if new.channel else None, new.author_name, new.extra,
        )  # fmt: skip
        if kind is EntryKind.PUBLIC_REPLY and ticket.first_response_at is None:
            ticket.first_response_at = at
        ticket.updated_at = at
        ticket.entry_count = int(ticket.entry_count or 0) + 1
        event_type, fields = _entry_event(entry, new)
        outbox = [_event(event_type, ticket, actor, at, **fields)]
        try:
            repo.save_ticket(
                ticket,
                events=change.events,
                entries=[entry],
                message_ids=[new.message_id] if new.message_id else [],
                outbox=outbox,
            )
        except VersionConflict:
            continue  # somebody changed the ticket meanwhile: apply the entry to the fresh copy
        return EntryResult(ticket, entry)
    raise VersionConflict(ticket.ticket_id, ticket.version)


def _follow_up(closed: TicketItem, entry: NewEntry, moment: datetime) -> EntryResult:
    new = NewTicket(
        subject=closed.subject,
        body_text=entry.body_text,
        body_html=entry.body_html,
        requester_email=closed.requester_email,
        requester_name=entry.author_name or closed.requester_name,
        channel=entry.channel or Channel(closed.channel),
        priority=Priority(closed.priority),
        group=closed.group,
        tags=list(closed.tags),
        cc=list(closed.cc),
        attachments=list(entry.attachments),
        message_id=entry.message_id,
        entry_extra=dict(entry.extra),
        automatic=entry.automatic,
    )
    ticket, _created = create_ticket(new, entry.actor, follow_up_of=closed, now=moment)
    first = repo.list_entries(ticket.ticket_id, kinds={EntryKind.CUSTOMER_MESSAGE.value})[0]
    return EntryResult(ticket, first, follow_up=True)


@dataclass
class _IndexMoves:
    """Index items a change moves with the ticket: tags and subject words added and removed."""

    tags_added: list[str] = field(default_factory=list)
    tags_removed: list[str] = field(default_factory=list)
    words_added: list[str] = field(default_factory=list)
    words_removed: list[str] = field(default_factory=list)


def _check_fields(changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(PATCHABLE)
    if unknown:
        raise InvalidRequest(f"these fields cannot be changed: {', '.join(sorted(unknown))}")


def _apply_fields(ticket: TicketItem, changes: dict[str, Any], change: Change) -> _IndexMoves:
    """Set the fields of an agent's change on `ticket`, recording each in `change` (status last, by its rule)."""
    moves = _IndexMoves()
    for name in PATCHABLE:
        if name not in changes or name == "status":
            continue
        value = changes[name]
        if name == "tags":
            value = normalize_tags(value)
            moves.tags_added = [t for t in value if t not in ticket.tags]
            moves.tags_removed = [t for t in ticket.tags if t not in value]
        if name == "subject":  # the search index follows the subject's words
            old_words, new_words = words(ticket.subject), words(value)
            # every word is written again (the same item): a ticket the backfill missed is whole after a rename
            moves.words_added = new_words
            moves.words_removed = [w for w in old_words if w not in new_words]
        if name == "assignee" and value and value != ticket.assignee and ticket.status == Status.NEW.value:
            _change_status(ticket, change, Action.ASSIGN)
        if name == "custom_fields":
            value = {**(ticket.custom_fields or {}), **value}
            value = {k: v for k, v in value.items() if v is not None}
        if name == "cc":  # the requester gets every reply anyway
            value = [c for c in dict.fromkeys(normalize_email(c) for c in value) if c != ticket.requester_email]
        _set(ticket, change, name, value)
    if "status" in changes and changes["status"] != ticket.status:
        if ticket.status == Status.CLOSED.value:
            raise InvalidTransition(ticket.status, "change", "closed tickets are final")
        _change_status(ticket, change, action_for_status(Status(changes["status"])))
    elif ticket.status == Status.CLOSED.value and change.events:
        raise InvalidTransition(ticket.status, "change", "closed tickets are final")
    return moves


def _changed(change: Change) -> dict[str, dict[str, Any]]:
    """Field -> {old, new}; a field changed twice (status: assigned, then set) is one change, first old to last new."""
    changed: dict[str, dict[str, Any]] = {}
    for e in change.events:
        changed[e.field] = {"old": changed.get(e.field, {"old": e.old})["old"], "new": e.new}
    return changed


def _update_events(ticket: TicketItem, actor: Actor, at: str, changed: dict[str, dict[str, Any]]) -> list[OutboxItem]:
    """ticket.updated for the changed fields, and ticket.assigned when the assignee is one of them."""
    if not changed:
        return []
    outbox = [_event(EventType.TICKET_UPDATED, ticket, actor, at, changes=changed)]
    if "assignee" in changed:
        assigned = changed["assignee"]
        outbox.append(
            _event(EventType.TICKET_ASSIGNED, ticket, actor, at, old_assignee=assigned["old"], assignee=assigned["new"])
        )
    return outbox


ROUTING = "routing"  # the audit field of a routing decision, and where the ticket remembers it (`extra.routing`)
# `extra.group_address`: {group, address} of a ticket opened by mail to a group's address (the inbound channel sets
# it; routing reads it: the rules may move such a ticket, the default group does not take it)
GROUP_ADDRESS = "group_address"
ROUTER = Actor(kind="system", id="router")  # who routes by the rules and assigns from a group's queue


def record_routing(
    ticket_id: str, expected_version: int, changes: dict[str, Any], record: dict[str, Any]
) -> tuple[TicketItem, dict[str, dict[str, Any]]] | None:
    """Apply a routing decision as the system actor `router`: the fields in `changes` (group, priority, ticket_type,
    tags, assignee) and one audit entry, field `routing`, whose new value is `record` with the fields it changed
    (`changes`: field -> old, new). The ticket remembers the decision (`extra.routing`) in the same write.

    Returns the ticket and the fields changed, or None, changing nothing, when the ticket already holds a routing decision: a re-delivered or replayed
    event never routes twice. Raises VersionConflict when the ticket is no longer at `expected_version` (the
    router then decides again on the fresh ticket).
    """
    ticket = repo.get_ticket(ticket_id)
    if (ticket.extra or {}).get(ROUTING):
        return None
    if int(ticket.version) != expected_version:
        raise VersionConflict(ticket.ticket_id, expected_version, int(ticket.version))
    moment = clock.now()
    change = Change(ROUTER, moment)
    moves = _apply_fields(ticket, changes, change)
    changed = _changed(change)
    ticket.updated_at = at = clock.iso(moment)
    entry = {**record, "changes": changed}
    ticket.extra = {**(ticket.extra or {}), ROUTING: {**record, "at": at}}
    audit = [AuditEvent(ROUTER, ROUTING, None, entry, moment)]
    outbox = _update_events(ticket, ROUTER, at, changed)
    repo.save_ticket(
        ticket,
        events=audit,
        tags_added=moves.tags_added,
        tags_removed=moves.tags_removed,
        words_added=moves.words_added,
        words_removed=moves.words_removed,
        outbox=outbox,
    )
    return ticket, changed


def assign_waiting(
    ticket: TicketItem, agent_id: str, routing: dict[str, Any], updates: Sequence[repo.Update] = ()
) -> TicketItem:
    """Assign a ticket waiting in its group (unassigned) to the agent routing picked, as read: the save is
    conditioned on the ticket's version, on it being unassigned and on its group. The audit trail says why (field
    `routing`, new = `routing`, e.g. mode, group, agent), and `updates` (the router's load counter and cursor) move
    in the same transaction. Raises VersionConflict when the ticket changed since it was read, WriteConflict when
    an update's condition failed: the caller reads again."""
    if ticket.assignee:
        raise InvalidTransition(ticket.status, "assign", f"the ticket is assigned to {ticket.assignee} already")
    group = ticket.group
    moment = clock.now()
    change = Change(ROUTER, moment)
    change.events.append(AuditEvent(ROUTER, "routing", None, routing, moment))
    _change_status(ticket, change, Action.ASSIGN)  # a new ticket opens
    _set(ticket, change, "assignee", agent_id)
    ticket.updated_at = at = clock.iso(moment)
    changed = {e.field: {"old": e.old, "new": e.new} for e in change.events if e.field != "routing"}
    outbox = [
        _event(EventType.TICKET_UPDATED, ticket, ROUTER, at, changes=changed),
        _event(EventType.TICKET_ASSIGNED, ticket, ROUTER, at, old_assignee=None, assignee=agent_id),
    ]
    repo.save_ticket(
        ticket,
        events=change.events,
        outbox=outbox,
        condition=TicketItem.assignee.does_not_exist() & (TicketItem.group == group),
        updates=updates,
    )
    return ticket


def update_ticket(ref: str, expected_version: int, changes: dict[str, Any], actor: Actor) -> TicketItem:
    """Apply an agent's PATCH. Stale `expected_version` -> VersionConflict (HTTP 412)."""
    _check_fields(changes)
    ticket = resolve(ref)
    if int(ticket.version) != expected_version:
        raise VersionConflict(ticket.ticket_id, expected_version, int(ticket.version))
    moment = clock.now()
    change = Change(actor, moment)
    moves = _apply_fields(ticket, changes, change)
    if not change.events:
        return ticket
    ticket.updated_at = at = clock.iso(moment)
    outbox = _update_events(ticket, actor, at, _changed(change))
    repo.save_ticket(
        ticket,
        events=change.events,
        tags_added=moves.tags_added,
        tags_removed=moves.tags_removed,
        words_added=moves.words_added,
        words_removed=moves.words_removed,
        outbox=outbox,
    )
    return ticket


def change_with_entry(
    ticket: TicketItem,
    expected_version: int,
    new: NewEntry,
    changes: dict[str, Any],
    audit_field: str,
    audit_about: dict[str, Any],
) -> EntryResult:
    """An agent's reply or note and field changes as ONE change of `ticket` (as read): one transaction, one audit
    entry (`audit_field`, its new value `audit_about` plus the entry and the fields changed), the entry's event and
    `ticket.updated`. The reply's own status rule applies first (a first reply opens a new ticket), then the fields
    (an explicit status last). Stale `expected_version` -> VersionConflict (HTTP 412)."""
    if new.kind not in (EntryKind.PUBLIC_REPLY, EntryKind.INTERNAL_NOTE):
        raise InvalidRequest("only a public reply or an internal note goes with a change of fields")
    _check_fields(changes)
    if int(ticket.version) != expected_version:
        raise VersionConflict(ticket.ticket_id, expected_version, int(ticket.version))
    moment = new.at or clock.now()
    at = clock.iso(moment)
    change = Change(new.actor, moment)
    reply = new.kind is EntryKind.PUBLIC_REPLY
    _change_status(ticket, change, Action.AGENT_REPLY if reply else Action.INTERNAL_NOTE)
    moves = _apply_fields(ticket, changes, change)
    entry = _entry(
        ticket.ticket_id, new.kind, new.actor, at, new.body_text, new.body_html, new.attachments, new.message_id,
        new.channel.value if new.channel else None, new.author_name, new.extra,
    )  # fmt: skip
    if reply and ticket.first_response_at is None:
        ticket.first_response_at = at
    ticket.updated_at = at
    ticket.entry_count = int(ticket.entry_count or 0) + 1
    changed = _changed(change)
    audit = AuditEvent(
        new.actor, audit_field, None, {**audit_about, "entry_id": entry.entry_id, "changes": changed}, moment
    )
    event_type, fields = _entry_event(entry, new)
    outbox = [_event(event_type, ticket, new.actor, at, **fields)]
    if changed:
        outbox += _update_events(ticket, new.actor, at, changed)
    repo.save_ticket(
        ticket,
        events=[audit],
        entries=[entry],
        tags_added=moves.tags_added,
        tags_removed=moves.tags_removed,
        words_added=moves.words_added,
        words_removed=moves.words_removed,
        outbox=outbox,
    )
    return EntryResult(ticket, entry)


def merge(source_ref: str, target_ref: str, actor: Actor, scope: Scope | None = None) -> TicketItem:
    """Merge `source` into `target`: the source closes, pointing at the target; both say so. A target outside
    `scope` is refused like one that does not exist."""
    source = resolve(source_ref, scope)
    try:
        target = resolve(target_ref, scope)
    except TicketNotFound:
        raise ReferenceNotFound(f"into: ticket {target_ref[:64]} does not exist") from None
    if source.ticket_id == target.ticket_id:
        raise InvalidRequest("a ticket cannot be merged into itself")
    if target.status == Status.CLOSED.value:
        raise InvalidTransition(target.status, "merge_into", "closed tickets are final")
    moment = clock.now()
    at = clock.iso(moment)
    source_change = Change(actor, moment)
    _change_status(source, source_change, Action.MERGE_AWAY)
    _set(source, source_change, "merged_into", target.ticket_id)
    target_change = Change(actor, moment)
    new_cc = sorted({*target.cc, *source.cc, source.requester_email} - {target.requester_email})
    _set(target, target_change, "cc", new_cc)
    source.updated_at = target.updated_at = at
    notes = [
        _entry(source.ticket_id, EntryKind.SYSTEM, actor, at, f"Merged into {format_number(int(target.number))}."),
        _entry(
            target.ticket_id,
            EntryKind.SYSTEM,
            actor,
            at,
            f"{format_number(int(source.number))} was merged into this ticket.",
        ),
    ]
    target_change.events.append(AuditEvent(actor, "merged_from", None, format_number(int(source.number)), moment))
    target.entry_count = int(target.entry_count or 0) + 1
    source.entry_count = int(source.entry_count or 0) + 1
    outbox = [
        _event(
            EventType.TICKET_MERGED,
            source,
            actor,
            at,
            into_ticket_id=target.ticket_id,
            into_ticket_number=int(target.number),
        )
    ]
    repo.save_ticket(
        target,
        events=target_change.events,
        entries=notes,
        also=[source],
        items=repo.audit_items(source.ticket_id, source_change.events, at),
        outbox=outbox,
    )
    return target


def release(ref: str, actor: Actor) -> TicketItem:
    """Let a quarantined ticket into the queue (status `new`). Mail that carried a virus stays held."""
    ticket = resolve(ref)
    held = dict((ticket.extra or {}).get("quarantine") or {})
    if ticket.status == Status.QUARANTINED.value and not held.get("releasable", True):
        raise InvalidTransition(ticket.status, "release", f"held for good: {held.get('reason', 'unsafe content')}")
    moment = clock.now()
    change = Change(actor, moment)
    _change_status(ticket, change, Action.RELEASE)
    held["released_by"] = actor.id
    ticket.extra = {**(ticket.extra or {}), "quarantine": held}
    ticket.updated_at = clock.iso(moment)
    outbox = [_event(EventType.TICKET_RELEASED, ticket, actor, ticket.updated_at)]
    repo.save_ticket(ticket, events=change.events, outbox=outbox)
    return ticket


# --- bulk changes ---------------------------------------------------------------------------------

BULK_FIELDS = ("assignee", "group")


@dataclass(frozen=True)
class BulkOutcome:
    """What became of one ticket of a bulk change."""

    ref: str
    outcome: Literal["changed", "unchanged", "not_found", "invalid_transition", "conflict"]
    ticket: TicketItem | None = None
    message: str = ""


def change_many(refs: Sequence[str], changes: dict[str, Any], actor: Actor, scope: Scope) -> list[BulkOutcome]:
    """Assign and/or move each ticket of `refs` (in order, each once), through `update_ticket`: each change is its
    own transaction with its own audit entries and events. A ticket outside `scope` is `not_found`, like one that
    does not exist; a ticket changed meanwhile is read again (up to three times)."""
    unknown = set(changes) - set(BULK_FIELDS)
    if unknown or not changes:
        raise InvalidRequest(f"a bulk change sets {' and/or '.join(BULK_FIELDS)}")
    results = []
    for ref in dict.fromkeys(refs):
        results.append(_change_one(ref, changes, actor, scope))
    return results


def _change_one(ref: str, changes: dict[str, Any], actor: Actor, scope: Scope) -> BulkOutcome:
    for _attempt in range(3):
        try:
            ticket = resolve(ref, scope)
            before = int(ticket.version)
            after = update_ticket(ticket.ticket_id, before, changes, actor)
        except TicketNotFound:
            return BulkOutcome(ref, "not_found", message=f"ticket {ref} does not exist")
        except InvalidTransition as exc:
            return BulkOutcome(ref, "invalid_transition", ticket, str(exc))
        except VersionConflict:
            continue
        return BulkOutcome(ref, "changed" if int(after.version) != before else "unchanged", after)
    return BulkOutcome(ref, "conflict", message=f"ticket {ref} kept changing: try again")


SLA = Actor(kind="system", id="sla")  # who records SLA events and escalates on a breach


def escalate_priority(ticket: TicketItem, priority: Priority, record: dict[str, Any], items: Sequence[Any]) -> None:
    """Raise `ticket` (as read) to `priority` as the system actor `sla`, with one more audit entry (field `sla`, new
    `record`: why), in one transaction with `items` (the SLA feature's item, audit entries and events; each under its
    own condition). Raises VersionConflict when the ticket changed since it was read, pynamodb's TransactWriteError
    when one of `items` did: the caller reads again."""
    moment = clock.now()
    change = Change(SLA, moment)
    _set(ticket, change, "priority", priority.value)
    change.events.append(AuditEvent(SLA, "sla", None, record, moment))
    ticket.updated_at = at = clock.iso(moment)
    changed = {"priority": {"old": change.events[0].old, "new": priority.value}}
    repo.save_ticket(ticket, events=change.events, outbox=_update_events(ticket, SLA, at, changed), items=items)


AUTOMATION = Actor(kind="system", id="automation")  # who closes, reminds and resolves tickets after days (SLA feature)


def automate_status(ticket: TicketItem, action: Action, record: dict[str, Any], items: Sequence[Any]) -> None:
    """Change `ticket` (as read) by `action` (AUTO_CLOSE a resolved ticket, SET_RESOLVED a pending one) as the system
    actor `automation`, with one more audit entry (field `automation`, new `record`: why), in one transaction with
    `items` (the SLA feature's item, each under its own condition). Raises InvalidTransition when the ticket's status
    does not allow it, VersionConflict when the ticket changed since it was read (a customer reply in between),
    pynamodb's TransactWriteError when one of `items` did: the caller reads again."""
    moment = clock.now()
    change = Change(AUTOMATION, moment)
    if _change_status(ticket, change, action) is not Outcome.APPLY:
        raise InvalidTransition(ticket.status, action.value, "nothing to change")
    change.events.append(AuditEvent(AUTOMATION, "automation", None, record, moment))
    ticket.updated_at = at = clock.iso(moment)
    changed = {"status": {"old": change.events[0].old, "new": ticket.status}}
    repo.save_ticket(ticket, events=change.events, outbox=_update_events(ticket, AUTOMATION, at, changed), items=items)
