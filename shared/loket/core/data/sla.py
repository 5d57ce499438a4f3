"""SLA repository: policies and calendars (PK `SLA`), each ticket's SLA item (PK `TICKET#<id>`, SK `SLA`) and the
sparse due index it writes. GetItem and Query only.

Policies and calendars are stored as their documents (the SLA feature's `to_dict`), versioned: a change is
conditional on the version read (If-Match), a reorder rewrites every position in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from loket.core.data import keys
from loket.core.data.models import (
    SlaCalendarItem,
    SlaPolicyItem,
    SlaStateItem,
    TicketItem,
    _Base,
    transaction_connection,
)
from loket.core.domain.clock import iso, now
from loket.core.domain.errors import AlreadyExists, NotFound, StaleVersion


@dataclass(frozen=True)
class StoredPolicy:
    policy_id: str
    position: int
    document: dict[str, Any]
    version: int


@dataclass(frozen=True)
class StoredCalendar:
    name: str
    document: dict[str, Any]
    version: int


def _failed_condition(exc: Exception) -> bool:
    return "ConditionalCheckFailed" in str(getattr(exc, "cause_response_code", "") or exc)


def _policy(item: SlaPolicyItem) -> StoredPolicy:
    return StoredPolicy(item.policy_id, int(item.position), dict(item.document or {}), int(item.version))


def _calendar(item: SlaCalendarItem) -> StoredCalendar:
    return StoredCalendar(item.name, dict(item.document or {}), int(item.version))


def _get(model: Any, sk: str) -> Any:
    try:
        return model.get(keys.SLA_PK, sk, consistent_read=True)
    except DoesNotExist:
        return None


def _save(item: _Base, kind: str, ref: str, expected: int | None) -> None:
    try:
        item.save()  # conditional: absent when new, else on the version read
    except PutError as exc:
        if _failed_condition(exc):
            raise StaleVersion(kind, ref, expected) from exc
        raise


def _delete(item: _Base, kind: str, ref: str, expected: int) -> None:
    try:
        item.delete()  # conditional on the version read
    except DeleteError as exc:
        if _failed_condition(exc):
            raise StaleVersion(kind, ref, expected) from exc
        raise


# --- policies -------------------------------------------------------------------------------------


def list_policies() -> list[StoredPolicy]:
    """Every policy, in position order (one Query on the SLA partition)."""
    items = SlaPolicyItem.query(keys.SLA_PK, SlaPolicyItem.sk.startswith(keys.SLA_POLICY_PREFIX), consistent_read=True)
    return sorted((_policy(i) for i in items), key=lambda p: (p.position, p.policy_id))


def get_policy(policy_id: str) -> StoredPolicy | None:
    item = _get(SlaPolicyItem, keys.sla_policy_sk(policy_id))
    return _policy(item) if item is not None else None


def create_policy(policy_id: str, position: int, document: dict[str, Any]) -> StoredPolicy:
    item = SlaPolicyItem(
        keys.SLA_PK, keys.sla_policy_sk(policy_id), item_type="sla_policy", policy_id=policy_id, position=position
    )
    item.document, item.updated_at = document, iso(now())
    item.save(condition=SlaPolicyItem.pk.does_not_exist())  # ids are random: a clash is a bug
    return _policy(item)


def replace_policy(policy_id: str, document: dict[str, Any], expected: int) -> StoredPolicy:
    item = _get(SlaPolicyItem, keys.sla_policy_sk(policy_id))
    if item is None:
        raise NotFound("sla policy", policy_id)
    if int(item.version) != expected:
        raise StaleVersion("sla policy", policy_id, expected, int(item.version))
    item.document, item.updated_at = document, iso(now())
    _save(item, "sla policy", policy_id, expected)
    return _policy(item)


def delete_policy(policy_id: str, expected: int) -> None:
    item = _get(SlaPolicyItem, keys.sla_policy_sk(policy_id))
    if item is None:
        raise NotFound("sla policy", policy_id)
    if int(item.version) != expected:
        raise StaleVersion("sla policy", policy_id, expected, int(item.version))
    _delete(item, "sla policy", policy_id, expected)


def reorder_policies(policies: Sequence[StoredPolicy]) -> None:
    """Each policy's index in `policies` as its position, one transaction, each conditional on the version read."""
    try:
        with TransactWrite(connection=transaction_connection()) as tx:
            for position, policy in enumerate(policies):
                item = SlaPolicyItem(keys.SLA_PK, keys.sla_policy_sk(policy.policy_id), version=policy.version)
                tx.update(
                    item, actions=[SlaPolicyItem.position.set(position), SlaPolicyItem.updated_at.set(iso(now()))]
                )
    except TransactWriteError as exc:
        reasons = [r.code if r is not None else None for r in (exc.cancellation_reasons or [])]
        failed = [policies[n].policy_id for n, r in enumerate(reasons) if r == "ConditionalCheckFailed"]
        if failed or "TransactionConflict" in reasons:
            raise StaleVersion("sla policy", failed[0] if failed else "order", None) from exc
        raise


# --- calendars ------------------------------------------------------------------------------------


def list_calendars() -> list[StoredCalendar]:
    items = SlaCalendarItem.query(
        keys.SLA_PK, SlaCalendarItem.sk.startswith(keys.SLA_CALENDAR_PREFIX), consistent_read=True
    )
    return sorted((_calendar(i) for i in items), key=lambda c: c.name)


def get_calendar(name: str) -> StoredCalendar | None:
    item = _get(SlaCalendarItem, keys.sla_calendar_sk(name))
    return _calendar(item) if item is not None else None


def save_calendar(name: str, document: dict[str, Any], expected: int | None) -> StoredCalendar:
    """Create (`expected` None: AlreadyExists if it exists) or replace the calendar of version `expected`."""
    item = _get(SlaCalendarItem, keys.sla_calendar_sk(name))
    if item is None:
        if expected is not None:
            raise NotFound("calendar", name)
        item = SlaCalendarItem(keys.SLA_PK, keys.sla_calendar_sk(name), item_type="sla_calendar", name=name)
    elif expected is None:
        raise AlreadyExists(f"calendar {name} exists already")
    elif int(item.version) != expected:
        raise StaleVersion("calendar", name, expected, int(item.version))
    item.document, item.updated_at = document, iso(now())
    try:
        item.save()  # conditional: absent when new, else on the version read
    except PutError as exc:
        if not _failed_condition(exc):
            raise
        if expected is None:
            raise AlreadyExists(f"calendar {name} exists already") from exc
        raise StaleVersion("calendar", name, expected) from exc
    return _calendar(item)


def delete_calendar(name: str, expected: int) -> None:
    item = _get(SlaCalendarItem, keys.sla_calendar_sk(name))
    if item is None:
        raise NotFound("calendar", name)
    if int(item.version) != expected:
        raise StaleVersion("calendar", name, expected, int(item.version))
    _delete(item, "calendar", name, expected)


# --- a ticket's SLA item and the due index ---------------------------------------------------------


def get_state(ticket_id: str) -> SlaStateItem | None:
    try:
        return SlaStateItem.get(keys.ticket_pk(ticket_id), keys.SLA_STATE_SK, consistent_read=True)
    except DoesNotExist:
        return None


def new_state(ticket_id: str) -> SlaStateItem:
    return SlaStateItem(keys.ticket_pk(ticket_id), keys.SLA_STATE_SK, item_type="sla", ticket_id=ticket_id)


def set_due(state: SlaStateItem, next_check: str | None) -> None:
    """Index the item under its next check (sparse: no keys when nothing runs)."""
    if next_check is None:
        state.sla_pk = state.sla_sk = None
    else:
        state.sla_pk = keys.sla_due_pk(keys.sla_shard(state.ticket_id))
        state.sla_sk = keys.sla_due_sk(next_check, state.ticket_id)


def due(shard: int, until: str, limit: int) -> list[str]:
    """Ticket ids whose next SLA check is at or before `until` in one shard, earliest first, at most `limit` (one
    Query on the keys-only index: it reads only what is due)."""
    items = SlaStateItem.sla_due_index.query(
        keys.sla_due_pk(shard), SlaStateItem.sla_sk <= f"{until}#\uffff", limit=limit, page_size=limit
    )
    return [str(i.pk).removeprefix("TICKET#") for i in items]


def save_state(state: SlaStateItem, others: Iterable[_Base] = (), ticket: TicketItem | None = None) -> bool:
    """Write the SLA item (conditioned on the version read; absent when new) with `others` (audit entries, outbox
    items) in one transaction; with `ticket`, also conditioned on that ticket still being at the version read. False
    when another writer changed the item (or the ticket) first: read again."""
    state.updated_at = iso(now())
    try:
        with TransactWrite(connection=transaction_connection()) as tx:
            tx.save(state)
            for item in others:
                tx.save(item)
            if ticket is not None:
                tx.condition_check(
                    TicketItem, keys.ticket_pk(ticket.ticket_id), keys.TICKET_SK,
                    condition=TicketItem.version == int(ticket.version),
                )  # fmt: skip
    except TransactWriteError as exc:
        reasons = [r.code if r is not None else None for r in (exc.cancellation_reasons or [])]
        if "ConditionalCheckFailed" in reasons or "TransactionConflict" in reasons:
            return False
        raise
    return True


def drop_due(ticket_id: str) -> None:
    """Take a ticket's SLA item out of the due index (its ticket no longer exists)."""
    state = get_state(ticket_id)
    if state is not None:
        set_due(state, None)
        save_state(state)
