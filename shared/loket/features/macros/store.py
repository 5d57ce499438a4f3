"""Macros in the table: PK `MACROS`, SK `MACRO#<id>` (see the access patterns in loket.core.data.models).

GetItem for one, Query for all; writes are optimistic like tickets: a create fails if the id exists, a change or a
delete names the version it read (If-Match) and fails if it moved on.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from loket.core.data import keys
from loket.core.data.models import MacroItem
from loket.core.domain.clock import iso, now
from loket.core.domain.errors import NotFound, StaleVersion
from loket.core.domain.ticket import Priority, Status
from loket.features.macros.macro import Actions, Macro, MacroKind


def _conditional_failed(exc: Exception) -> bool:
    return "ConditionalCheckFailed" in str(getattr(exc, "cause_response_code", "") or exc)


def _macro(item: MacroItem) -> Macro:
    actions: dict[str, Any] = item.actions or {}
    return Macro(
        macro_id=item.macro_id,
        name=item.name,
        body=item.body,
        kind=MacroKind(item.kind),
        actions=Actions(
            status=Status(actions["status"]) if actions.get("status") else None,
            priority=Priority(actions["priority"]) if actions.get("priority") else None,
            tags_add=tuple(actions.get("tags_add") or ()),
            tags_remove=tuple(actions.get("tags_remove") or ()),
        ),
        version=item.version,
        updated_at=item.updated_at,
    )


def _item(macro: Macro, updated_by: str) -> MacroItem:
    a = macro.actions
    return MacroItem(
        keys.MACROS_PK,
        keys.macro_sk(macro.macro_id),
        item_type="macro",
        macro_id=macro.macro_id,
        name=macro.name,
        body=macro.body,
        kind=macro.kind.value,
        actions={
            "status": a.status.value if a.status else None,
            "priority": a.priority.value if a.priority else None,
            "tags_add": list(a.tags_add),
            "tags_remove": list(a.tags_remove),
        },
        updated_at=iso(now()),
        updated_by=updated_by,
    )


def _current(macro_id: str) -> MacroItem | None:
    try:
        return MacroItem.get(keys.MACROS_PK, keys.macro_sk(macro_id), consistent_read=True)
    except DoesNotExist:
        return None


def get(macro_id: str) -> Macro:
    found = _current(macro_id)
    if found is None:
        raise NotFound("macro", macro_id)
    return _macro(found)


def all_macros() -> list[Macro]:
    """Every macro, sorted by name (one Query on one partition)."""
    items = MacroItem.query(keys.MACROS_PK, MacroItem.sk.startswith(keys.MACRO_PREFIX), consistent_read=True)
    return sorted((_macro(i) for i in items), key=lambda m: (m.name.casefold(), m.macro_id))


def save(macro: Macro, expected: int | None, updated_by: str) -> Macro:
    """Create (expected None; the id is new) or replace the version `expected` of a macro."""
    item = _item(macro, updated_by)
    if expected is not None:
        existing = _current(macro.macro_id)
        if existing is None:
            raise NotFound("macro", macro.macro_id)
        if existing.version != expected:
            raise StaleVersion("macro", macro.macro_id, expected, existing.version)
        item.version = existing.version
    try:
        item.save()  # conditioned by pynamodb on the version (absent for a new item)
    except PutError as exc:
        if _conditional_failed(exc):
            raise StaleVersion("macro", macro.macro_id, expected) from exc
        raise
    return _macro(item)


def delete(macro_id: str, expected: int) -> None:
    existing = _current(macro_id)
    if existing is None:
        raise NotFound("macro", macro_id)
    if existing.version != expected:
        raise StaleVersion("macro", macro_id, expected, existing.version)
    try:
        existing.delete()  # conditioned on the version read
    except DeleteError as exc:
        if _conditional_failed(exc):
            raise StaleVersion("macro", macro_id, expected) from exc
        raise
