"""Ticket repository: the only code that reads and writes ticket items. Queries and GetItems only."""

from __future__ import annotations

import base64
import binascii
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action as UpdateAction
from pynamodb.transactions import TransactWrite

from loket.core.data import keys
from loket.core.data.models import (
    AuditItem,
    CounterItem,
    EntryItem,
    LookupItem,
    OutboxItem,
    TagItem,
    TicketItem,
    WordItem,
    _Base,
    transaction_connection,
)
from loket.core.domain.errors import InvalidRequest, TicketNotFound, VersionConflict
from loket.core.domain.scope import Scope
from loket.core.domain.ticket import AuditEvent, Priority, Status, format_number, parse_number
from loket.core.domain.words import words

_STATUS_ORDER = [s.value for s in Status]
# the statuses in which a ticket nobody is assigned waits in its group's unassigned queue (UnassignedIndex)
WAITING = frozenset({Status.NEW.value, Status.OPEN.value, Status.PENDING.value, Status.ON_HOLD.value})
_MAX_CREATE_ATTEMPTS = 12
_BASE_BACKOFF_S, _MAX_BACKOFF_S = 0.01, 0.25


class WriteConflict(Exception):
    """A condition on one of the extra `Update`s of a change failed: the item moved on since it was read."""

    def __init__(self, pk: str, sk: str) -> None:
        super().__init__(f"{pk} {sk} changed since it was read")
        self.pk, self.sk = pk, sk


@dataclass(frozen=True)
class Update:
    """One more item a ticket change updates in its transaction, under a condition (a counter, a cursor)."""

    item: _Base
    actions: tuple[UpdateAction, ...]
    condition: Condition | None = None


class DuplicateLookup(Exception):
    """A unique lookup (client key, Message-ID) already points at a ticket."""

    def __init__(self, lookup_pk: str, ticket_id: str | None) -> None:
        super().__init__(f"{lookup_pk} already belongs to ticket {ticket_id}")
        self.lookup_pk = lookup_pk
        self.ticket_id = ticket_id


def _connection() -> Connection:
    return transaction_connection()


def index_ticket(ticket: TicketItem) -> None:
    """Derive every index key of a ticket from its fields (call before each save)."""
    ticket.pk = keys.ticket_pk(ticket.ticket_id)
    ticket.sk = keys.TICKET_SK
    ticket.item_type = "ticket"
    order = keys.priority_age_sk(ticket.priority, ticket.created_at, ticket.ticket_id)
    ticket.gsi1pk = keys.queue_pk(ticket.group, ticket.status)
    ticket.gsi1sk = order
    ticket.gsi2pk = keys.status_pk(ticket.status)
    ticket.gsi2sk = order
    if ticket.assignee:
        ticket.gsi3pk = keys.assignee_pk(ticket.assignee)
        ticket.gsi3sk = f"{ticket.status}#{order}"
    else:
        ticket.gsi3pk = ticket.gsi3sk = None
    ticket.gsi4pk = keys.requester_pk(ticket.requester_email)
    ticket.gsi4sk = keys.age_sk(ticket.created_at, ticket.ticket_id)
    if not ticket.assignee and ticket.status in WAITING:
        ticket.gsi5pk = keys.unassigned_pk(ticket.group)
        ticket.gsi5sk = order
    else:
        ticket.gsi5pk = ticket.gsi5sk = None


def lookup_item(pk: str, ticket_id: str, created_at: str) -> LookupItem:
    return LookupItem(pk, keys.LOOKUP_SK, item_type="lookup", ticket_id=ticket_id, created_at=created_at)


OUTBOX_TTL_SECONDS = 7 * 24 * 3600


def outbox_item(event: Any) -> OutboxItem:
    """The outbox item of a typed event (`loket.core.events`), for the stream to deliver: `payload` is the whole
    event as JSON (the Pipe makes it the bus event's `detail`); `event_id` is stable so consumers de-duplicate.
    A ticket's events are kept in the ticket's partition, the others (`agent.changed`) in the directory's."""
    ticket_id = getattr(event, "ticket_id", None)
    return OutboxItem(
        keys.ticket_pk(ticket_id) if ticket_id else keys.DIRECTORY_PK,
        f"EVENT#{event.at}#{event.event_id}",
        item_type="event",
        ticket_id=ticket_id,
        event_id=event.event_id,
        event_type=str(event.type),
        payload=event.model_dump(mode="json"),
        at=event.at,
        expires_at=int(time.time()) + OUTBOX_TTL_SECONDS,
    )


def tag_item(tag: str, ticket: TicketItem) -> TagItem:
    return TagItem(
        keys.tag_pk(tag),
        keys.age_sk(ticket.created_at, ticket.ticket_id),
        item_type="tag",
        ticket_id=ticket.ticket_id,
    )


def word_item(word: str, ticket: TicketItem) -> WordItem:
    """The search-index item of one word of a ticket's subject (`loket.core.domain.words`)."""
    return WordItem(
        keys.word_pk(word),
        keys.age_sk(ticket.created_at, ticket.ticket_id),
        item_type="word",
        ticket_id=ticket.ticket_id,
    )


def audit_items(ticket_id: str, events: Iterable[AuditEvent], at: str, start: int = 0) -> list[AuditItem]:
    return [audit_item(ticket_id, keys.audit_sk(at, start + i), e, at) for i, e in enumerate(events)]


def audit_item(ticket_id: str, sk: str, event: AuditEvent, at: str) -> AuditItem:
    """The ticket's audit entry `event` under the sort key `sk` (keys.audit_sk, or keys.named_audit_sk)."""
    return AuditItem(
        keys.ticket_pk(ticket_id),
        sk,
        item_type="audit",
        ticket_id=ticket_id,
        actor_kind=event.actor.kind,
        actor_id=event.actor.id,
        actor_email=event.actor.email,
        field=event.field,
        old=event.old,
        new=event.new,
        at=at,
    )


# --- reads -------------------------------------------------------------------------------------


def get_ticket(ticket_id: str) -> TicketItem:
    try:
        return TicketItem.get(keys.ticket_pk(ticket_id), keys.TICKET_SK, consistent_read=True)
    except DoesNotExist as exc:
        raise TicketNotFound(ticket_id) from exc


def find_lookup(pk: str) -> str | None:
    """The ticket id a unique lookup item points at, or None."""
    try:
        return LookupItem.get(pk, keys.LOOKUP_SK, consistent_read=True).ticket_id
    except DoesNotExist:
        return None


def get_ticket_by_number(number: int) -> TicketItem:
    ticket_id = find_lookup(keys.number_pk(number))
    if ticket_id is None:
        raise TicketNotFound(format_number(number))
    return get_ticket(ticket_id)


def resolve(ref: str, scope: Scope | None = None) -> TicketItem:
    """A ticket by id or by human number (`LKT-1042`). With `scope`, a ticket outside it is not found, with the
    very error a ticket that does not exist gets (nothing tells the two apart)."""
    number = parse_number(ref)
    if number is not None:
        ticket = get_ticket_by_number(number)
        missing = format_number(number)
    else:
        if not ref or len(ref) > 64:
            raise TicketNotFound(ref[:64])
        ticket, missing = get_ticket(ref), ref
    if scope is not None and not scope.covers(ticket.group, ticket.assignee):
        raise TicketNotFound(missing)
    return ticket


def list_entries(ticket_id: str, kinds: set[str] | None = None) -> list[EntryItem]:
    condition = EntryItem.kind.is_in(*kinds) if kinds else None
    return list(
        EntryItem.query(
            keys.ticket_pk(ticket_id),
            EntryItem.sk.startswith("ENTRY#"),
            filter_condition=condition,
            consistent_read=True,
        )
    )


def find_entry(ticket_id: str, entry_id: str, kinds: set[str] | None = None) -> EntryItem | None:
    """One entry of a ticket by its id (one Query on the ticket's partition), or None."""
    condition = EntryItem.entry_id == entry_id
    if kinds:
        condition &= EntryItem.kind.is_in(*kinds)
    query = EntryItem.query(
        keys.ticket_pk(ticket_id), EntryItem.sk.startswith("ENTRY#"), filter_condition=condition, consistent_read=True
    )
    return next(iter(query), None)


def list_audit(ticket_id: str) -> list[AuditItem]:
    return list(AuditItem.query(keys.ticket_pk(ticket_id), AuditItem.sk.startswith("AUDIT#"), consistent_read=True))


# --- listing with an opaque cursor ---------------------------------------------------------------


@dataclass(frozen=True)
class TicketFilter:
    status: str | None = None
    priority: str | None = None
    group: str | None = None
    assignee: str | None = None
    requester: str | None = None
    tag: str | None = None
    unassigned: bool = False  # the unassigned queue (UnassignedIndex): waiting tickets nobody is assigned
    scope: Scope | None = None  # the caller's group scope; None: every ticket
    # the groups an unassigned list without `group` goes through when the scope covers every group (an admin)
    all_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Partition:
    """One Query: an index (or the table for tags), a partition key, a sort-key prefix, what else must hold."""

    index: str
    pk: str
    sk_prefix: str | None
    newest_first: bool = False
    condition: Condition | None = field(default=None, compare=False)


_INDEX_KEYS = {
    "QueueIndex": ("GSI1PK", "GSI1SK"),
    "StatusIndex": ("GSI2PK", "GSI2SK"),
    "AssigneeIndex": ("GSI3PK", "GSI3SK"),
    "RequesterIndex": ("GSI4PK", "GSI4SK"),
    "UnassignedIndex": ("GSI5PK", "GSI5SK"),
    "table": ("PK", "SK"),
}


def _and(*conditions: Condition | None) -> Condition | None:
    result: Condition | None = None
    for c in conditions:
        if c is not None:
            result = c if result is None else result & c
    return result


def _scope_condition(scope: Scope) -> Condition | None:
    """What a ticket read from an index must satisfy to be in `scope` (a filter on the page Query reads)."""
    mine = TicketItem.assignee == scope.agent_id
    return (TicketItem.group.is_in(*sorted(scope.groups)) | mine) if scope.groups else mine


def _plan(f: TicketFilter) -> list[_Partition]:
    """The Queries that list the filter's tickets inside the caller's scope, most selective key first. Scope never
    needs a Scan: the caller's groups are partitions of QueueIndex/UnassignedIndex, their own tickets one of
    AssigneeIndex; everything else is a filter on a partition."""
    scope = f.scope if f.scope is not None and not f.scope.everything else None
    statuses = [f.status] if f.status else _STATUS_ORDER
    prio = f"{Priority(f.priority).rank}#" if f.priority else None
    if f.unassigned:
        # an unassigned ticket is nobody's: only its group puts it in a scope
        groups = [f.group] if f.group else (sorted(scope.groups) if scope else sorted(set(f.all_groups)))
        groups = [g for g in groups if scope is None or scope.covers_group(g)]
        rest = _filter_condition(f, {"status", "requester", "tag"})
        return [_Partition("UnassignedIndex", keys.unassigned_pk(g), prio, condition=rest) for g in groups]
    if f.tag:
        return [_Partition("table", keys.tag_pk(f.tag), None, True)]  # filtered in Python, scope included
    if f.assignee:
        prefix = f"{f.status}#" + (prio or "") if f.status else None
        rest = _filter_condition(f, {"group", "requester"} | ({"priority"} if f.priority and not f.status else set()))
        if scope is not None and f.assignee != scope.agent_id:
            if not scope.groups:
                return []
            rest = _and(rest, TicketItem.group.is_in(*sorted(scope.groups)))
        return [_Partition("AssigneeIndex", keys.assignee_pk(f.assignee), prefix, condition=rest)]
    if f.requester:
        rest = _filter_condition(f, {"status", "priority", "group"})
        if scope is not None:
            rest = _and(rest, _scope_condition(scope))
        return [_Partition("RequesterIndex", keys.requester_pk(f.requester), None, True, condition=rest)]
    if scope is None:
        if f.group:
            return [_Partition("QueueIndex", keys.queue_pk(f.group, s), prio) for s in statuses]
        return [_Partition("StatusIndex", keys.status_pk(s), prio) for s in statuses]
    # a lead or an agent: their groups' queues, then their own tickets of other groups
    groups = [f.group] if f.group else sorted(scope.groups)
    queues = [
        _Partition("QueueIndex", keys.queue_pk(g, s), prio) for s in statuses for g in groups if scope.covers_group(g)
    ]
    prefix = f"{f.status}#" + (prio or "") if f.status else None
    elsewhere = (
        TicketItem.group == f.group
        if f.group
        else (~TicketItem.group.is_in(*sorted(scope.groups)) if scope.groups else None)
    )
    if f.group and scope.covers_group(f.group):
        return queues
    own = _and(elsewhere, TicketItem.priority == f.priority if f.priority and not f.status else None)
    return [*queues, _Partition("AssigneeIndex", keys.assignee_pk(scope.agent_id), prefix, condition=own)]


def _filter_condition(f: TicketFilter, fields: set[str]) -> Condition | None:
    attrs = {
        "status": TicketItem.status,
        "priority": TicketItem.priority,
        "group": TicketItem.group,
        "assignee": TicketItem.assignee,
        "requester": TicketItem.requester_email,
    }
    condition: Condition | None = None
    for name in sorted(fields):
        value = getattr(f, name)
        if value is None:
            continue
        term = TicketItem.tags.contains(value) if name == "tag" else attrs[name] == value
        condition = term if condition is None else condition & term
    return condition


def encode_cursor(partition: int, key: dict[str, Any]) -> str:
    raw = json.dumps({"p": partition, "k": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, partitions: list[_Partition]) -> tuple[int, dict[str, Any] | None]:
    """Decode and check a cursor against the plan, so a forged one cannot reach DynamoDB."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        index, key = data["p"], data["k"]
        part = partitions[index]
        if key == {} and isinstance(index, int) and index >= 0:
            return index, None
        hash_name, range_name = _INDEX_KEYS[part.index]
        allowed = {"PK", "SK", hash_name, range_name}
        if not (isinstance(index, int) and index >= 0 and isinstance(key, dict) and set(key) <= allowed):
            raise ValueError("bad shape")
        if key[hash_name] != {"S": part.pk} or not all(
            isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values()
        ):
            raise ValueError("cursor does not belong to this filter")
    except (ValueError, KeyError, IndexError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidRequest("cursor is not valid for this list; start again without it") from exc
    return index, key


def list_tickets(f: TicketFilter, limit: int, cursor: str | None) -> tuple[list[TicketItem], str | None]:
    partitions = _plan(f)
    start, last_key = decode_cursor(cursor, partitions) if cursor else (0, None)
    found: list[TicketItem] = []
    for position in range(start, len(partitions)):
        part = partitions[position]
        wanted = limit - len(found)
        if part.index == "table":
            page, next_key = _query_tag(part, wanted, last_key, f)
        else:
            page, next_key = _query_index(part, wanted, last_key, part.condition)
        found.extend(page)
        last_key = None
        if next_key is not None:
            # the partition has more (or a filtered page came back short): the cursor goes on from here
            return found, encode_cursor(position, next_key)
        if len(found) >= limit:
            return found, (encode_cursor(position + 1, {}) if position + 1 < len(partitions) else None)
    return found, None


def _query_index(
    part: _Partition, limit: int, start: dict[str, Any] | None, condition: Condition | None
) -> tuple[list[TicketItem], dict[str, Any] | None]:
    index = {
        "QueueIndex": TicketItem.queue_index,
        "StatusIndex": TicketItem.status_index,
        "AssigneeIndex": TicketItem.assignee_index,
        "RequesterIndex": TicketItem.requester_index,
        "UnassignedIndex": TicketItem.unassigned_index,
    }[part.index]
    range_condition = type(index).sk.startswith(part.sk_prefix) if part.sk_prefix else None  # type: ignore[attr-defined]
    result = index.query(
        part.pk,
        range_condition,
        filter_condition=condition,
        limit=limit,
        page_size=limit,
        last_evaluated_key=start,
        scan_index_forward=not part.newest_first,
    )
    items = list(result)
    return items, result.last_evaluated_key


def _query_tag(
    part: _Partition, limit: int, start: dict[str, Any] | None, f: TicketFilter
) -> tuple[list[TicketItem], dict[str, Any] | None]:
    result = TagItem.query(part.pk, limit=limit, page_size=limit, last_evaluated_key=start, scan_index_forward=False)
    tag_items = list(result)
    wanted = [(keys.ticket_pk(t.ticket_id), keys.TICKET_SK) for t in tag_items]
    by_id = {t.ticket_id: t for t in TicketItem.batch_get(wanted)} if wanted else {}
    tickets = [by_id[t.ticket_id] for t in tag_items if t.ticket_id in by_id]
    wanted_fields = {
        "status": f.status,
        "priority": f.priority,
        "group": f.group,
        "assignee": f.assignee,
        "requester_email": f.requester,
    }
    tickets = [t for t in tickets if all(v is None or getattr(t, k) == v for k, v in wanted_fields.items())]
    if f.scope is not None:
        tickets = [t for t in tickets if f.scope.covers(t.group, t.assignee)]
    return tickets, result.last_evaluated_key


def tickets_of_group(group: str) -> list[TicketItem]:
    """The tickets filed under a group that can still change (closed ones are history): QueueIndex per status."""
    found: list[TicketItem] = []
    for status in _STATUS_ORDER:
        if status != Status.CLOSED.value:
            found.extend(TicketItem.queue_index.query(keys.queue_pk(group, status)))
    return found


def tickets_of_assignee(agent_id: str) -> list[TicketItem]:
    """The tickets assigned to an agent that can still change (closed ones are history): AssigneeIndex."""
    items = TicketItem.assignee_index.query(keys.assignee_pk(agent_id))
    return [t for t in items if t.status != Status.CLOSED.value]


# --- writes ------------------------------------------------------------------------------------


def _reasons(exc: TransactWriteError) -> list[str | None]:
    return [r.code if r is not None else None for r in (exc.cancellation_reasons or [])]


def create_ticket(
    ticket: TicketItem,
    entries: list[EntryItem],
    client_key: str | None = None,
    message_ids: Iterable[str] = (),
    events: Iterable[AuditEvent] = (),
    outbox: Iterable[OutboxItem] | Callable[[TicketItem], Iterable[OutboxItem]] = (),
) -> tuple[TicketItem, bool]:
    """Create a ticket with its number, first entries and lookups in one transaction.

    Idempotent on `client_key`: a retry returns the ticket made the first time (created=False).
    Numbers are gapless: the counter moves in the same transaction, conditioned on its old value,
    so a failed or repeated attempt never burns a number.
    Raises DuplicateLookup when a Message-ID is already recorded (the same mail seen twice).
    `outbox` may be a function of the numbered ticket (events carry the ticket's number), called per attempt.
    """
    lookups = [keys.message_id_pk(m) for m in message_ids]
    client_pk = keys.client_key_pk(client_key) if client_key else None
    events = list(events)
    fixed = None if callable(outbox) else list(outbox)
    for _attempt in range(_MAX_CREATE_ATTEMPTS):
        if client_pk and (existing := find_lookup(client_pk)):
            return get_ticket(existing), False
        try:
            counter = CounterItem.get(keys.NUMBER_COUNTER_PK, "COUNTER", consistent_read=True)
            current = int(counter.value)
        except DoesNotExist:
            counter, current = CounterItem(keys.NUMBER_COUNTER_PK, "COUNTER", item_type="counter"), 0
        ticket.number = current + 1
        ticket.attribute_values.pop("version", None)  # a new item, whatever an earlier attempt set
        index_ticket(ticket)
        unique = [keys.number_pk(ticket.number), *lookups, *([client_pk] if client_pk else [])]
        items: list[_Base] = [
            ticket,
            *[lookup_item(pk, ticket.ticket_id, ticket.created_at) for pk in unique],
            *entries,
            *[tag_item(tag, ticket) for tag in ticket.tags],
            *[word_item(word, ticket) for word in words(ticket.subject)],
            *audit_items(ticket.ticket_id, events, ticket.created_at),
            *(fixed if fixed is not None else outbox(ticket)),  # type: ignore[operator]
        ]
        try:
            with TransactWrite(connection=_connection()) as tx:
                if current:
                    tx.update(
                        counter, actions=[CounterItem.value.set(current + 1)], condition=CounterItem.value == current
                    )
                else:
                    counter.value = 1
                    tx.save(counter, condition=CounterItem.pk.does_not_exist())
                for item in items:
                    tx.save(item, condition=_absent(item) if item.pk in unique or item is ticket else None)
        except TransactWriteError as exc:
            reasons = _reasons(exc)
            # pynamodb sends puts before updates: the counter is a put when new, else the last update
            order = (
                ["counter", *(str(i.pk) for i in items)] if not current else [*(str(i.pk) for i in items), "counter"]
            )
            failed = {order[n] for n, r in enumerate(reasons) if r == "ConditionalCheckFailed" and n < len(order)}
            for pk in lookups:
                if pk in failed:
                    raise DuplicateLookup(pk, find_lookup(pk)) from exc
            if failed or "TransactionConflict" in reasons:
                # another ticket took the number, or the client key is now taken: look again, after a pause that
                # grows with each attempt and is drawn at random, so that racing creators spread out
                time.sleep(random.uniform(0, min(_MAX_BACKOFF_S, _BASE_BACKOFF_S * 2**_attempt)))
                continue
            raise
        return ticket, True
    raise RuntimeError("could not allocate a ticket number after several attempts")


def _absent(item: _Base) -> Condition:
    return _Base.pk.does_not_exist()


def save_ticket(
    ticket: TicketItem,
    events: Iterable[AuditEvent] = (),
    entries: Iterable[EntryItem] = (),
    tags_added: Iterable[str] = (),
    tags_removed: Iterable[str] = (),
    message_ids: Iterable[str] = (),
    also: Iterable[TicketItem] = (),
    outbox: Iterable[OutboxItem] = (),
    items: Iterable[_Base] = (),
    condition: Condition | None = None,
    updates: Iterable[Update] = (),
    words_added: Iterable[str] = (),
    words_removed: Iterable[str] = (),
) -> None:
    """Save a changed ticket (conditioned on its version) with its audit events and new entries.

    Tags and subject words added or removed move their index items in the same transaction (the caller says which:
    it knows the old values). `also` saves more tickets in the same transaction (a merge changes two), `items` any other
    items (audit items of those tickets). Raises VersionConflict when any of them was changed
    since it was read, and DuplicateLookup when a Message-ID is already recorded.
    `condition` is one more condition on the ticket (besides its version); `updates` are updates of other items
    in the same transaction, each under its condition (WriteConflict names the first that failed).
    """
    at = ticket.updated_at
    tickets = [ticket, *also]
    tags_removed = list(tags_removed)
    words_removed = list(words_removed)
    lookups = [keys.message_id_pk(m) for m in message_ids]
    puts: list[_Base] = [
        *audit_items(ticket.ticket_id, events, at),
        *entries,
        *[tag_item(tag, ticket) for tag in tags_added],
        *[word_item(word, ticket) for word in words_added],
        *outbox,
        *items,
    ]
    updates = list(updates)
    try:
        with TransactWrite(connection=_connection()) as tx:
            for t in tickets:
                index_ticket(t)
                tx.save(t, condition=condition if t is ticket else None)
            for pk in lookups:  # unique: the same mail recorded twice, even at the same moment, fails here
                tx.save(lookup_item(pk, ticket.ticket_id, at), condition=LookupItem.pk.does_not_exist())
            for item in puts:
                tx.save(item)
            for tag in tags_removed:
                tx.delete(tag_item(tag, ticket))
            for word in words_removed:
                tx.delete(word_item(word, ticket))
            for update in updates:
                tx.update(update.item, actions=list(update.actions), condition=update.condition)
    except TransactWriteError as exc:
        all_reasons = _reasons(exc)
        # pynamodb sends deletes first, then puts, then updates
        deletes = len(tags_removed) + len(words_removed)
        first_update = deletes + len(tickets) + len(lookups) + len(puts)
        for update, reason in zip(updates, all_reasons[first_update:], strict=False):
            if reason == "ConditionalCheckFailed":
                raise WriteConflict(str(update.item.pk), str(update.item.sk)) from exc
        reasons = all_reasons[deletes:]
        for pk, reason in zip(lookups, reasons[len(tickets) :], strict=False):
            if reason == "ConditionalCheckFailed":
                raise DuplicateLookup(pk, find_lookup(pk)) from exc
        for t, reason in zip(tickets, reasons, strict=False):
            if reason == "ConditionalCheckFailed":
                raise VersionConflict(t.ticket_id, t.version) from exc
        if "TransactionConflict" in reasons:
            raise VersionConflict(ticket.ticket_id, ticket.version) from exc
        raise
