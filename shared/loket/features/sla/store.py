"""SLA policies and calendars as admins keep them: read, create, replace, delete, reorder; the defaults when none
is stored.

Defaults (what applies until an admin stores something):

* calendar `default`: open 24/7 in UTC, no holidays (`DEFAULT_CALENDAR`); a stored calendar named `default` takes its
  place, deleting it brings the built-in one back;
* when no policy is stored, one policy `default` for every ticket on that calendar (`DEFAULT_POLICY`): first and next
  response urgent 30 minutes, high 60, normal 240, low 480; resolution urgent 240, high 480, normal 1440, low 2880;
  warning at 75%. Once any policy is stored, only stored policies apply (a ticket none matches has no SLA).

A policy names its calendar, which must exist (422 otherwise); a calendar a policy names cannot be deleted (409).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loket.core.data import sla as repo
from loket.core.domain.errors import NotFound, StaleVersion, StillReferenced, Unprocessable
from loket.core.domain.ordering import check_order
from loket.features.sla.calendar import Calendar
from loket.features.sla.policy import DEFAULT_CALENDAR, MAX_POLICIES, Policy, validate_order

_REORDER_ATTEMPTS = 3

DEFAULT_POLICY: dict[str, Any] = {
    "name": "default",
    "targets": {
        "urgent": {"first_response": 30, "next_response": 30, "resolution": 240},
        "high": {"first_response": 60, "next_response": 60, "resolution": 480},
        "normal": {"first_response": 240, "next_response": 240, "resolution": 1440},
        "low": {"first_response": 480, "next_response": 480, "resolution": 2880},
    },
    "calendar": DEFAULT_CALENDAR,
}


def default_calendar() -> Calendar:
    return Calendar.always_open(DEFAULT_CALENDAR)


@dataclass(frozen=True)
class StoredPolicy:
    id: str
    position: int
    version: int
    policy: Policy


@dataclass(frozen=True)
class StoredCalendar:
    version: int  # 0: the built-in default
    calendar: Calendar


def _policy(stored: repo.StoredPolicy) -> StoredPolicy:
    return StoredPolicy(stored.policy_id, stored.position, stored.version, Policy.from_dict(stored.document))


# --- what applies ---------------------------------------------------------------------------------


def effective_policies() -> list[Policy]:
    """The policies in force, in order: the stored ones, or the default policy when none is stored."""
    stored = repo.list_policies()
    if not stored:
        return [Policy.from_dict(DEFAULT_POLICY)]
    return [_policy(p).policy for p in stored]


def effective_calendars() -> dict[str, Calendar]:
    """Every calendar by name, the built-in `default` unless one is stored under that name."""
    found = {c.name: Calendar.from_dict(c.document) for c in repo.list_calendars()}
    found.setdefault(DEFAULT_CALENDAR, default_calendar())
    return found


# --- policies -------------------------------------------------------------------------------------


def policies() -> list[StoredPolicy]:
    return [_policy(p) for p in repo.list_policies()]


def policy(policy_id: str) -> StoredPolicy:
    found = repo.get_policy(policy_id) if 0 < len(policy_id) <= 64 else None
    if found is None:
        raise NotFound("sla policy", policy_id[:64])
    return _policy(found)


def _check(new: Policy, others: list[StoredPolicy]) -> None:
    if new.calendar != DEFAULT_CALENDAR and repo.get_calendar(new.calendar) is None:
        raise Unprocessable(f"policy {new.name}: there is no calendar {new.calendar!r}")
    validate_order([*(p.policy for p in others), new])


def create_policy(document: Mapping[str, Any]) -> StoredPolicy:
    """A new policy, last in the order."""
    new = Policy.from_dict(document)
    existing = policies()
    if len(existing) >= MAX_POLICIES:
        raise Unprocessable(f"at most {MAX_POLICIES} SLA policies; delete one first")
    _check(new, existing)
    position = max((p.position for p in existing), default=-1) + 1
    return _policy(repo.create_policy(uuid.uuid4().hex[:16], position, new.to_dict()))


def replace_policy(policy_id: str, document: Mapping[str, Any], expected: int) -> StoredPolicy:
    policy(policy_id)  # 404 first
    new = Policy.from_dict(document)
    _check(new, [p for p in policies() if p.id != policy_id])
    return _policy(repo.replace_policy(policy_id, new.to_dict(), expected))


def delete_policy(policy_id: str, expected: int) -> None:
    policy(policy_id)
    repo.delete_policy(policy_id, expected)


def reorder_policies(order: list[str]) -> list[StoredPolicy]:
    """The policies in the order of `order`, which names every policy exactly once; one transaction."""
    for _attempt in range(_REORDER_ATTEMPTS):
        current = {p.policy_id: p for p in repo.list_policies()}
        check_order(order, current, "policy")
        try:
            repo.reorder_policies([current[i] for i in order])
        except StaleVersion:
            continue
        return policies()
    raise StaleVersion("sla policy", "order", None)


# --- calendars ------------------------------------------------------------------------------------


def calendars() -> list[StoredCalendar]:
    """The stored calendars by name, with the built-in `default` (version 0) unless one is stored."""
    found = [StoredCalendar(c.version, Calendar.from_dict(c.document)) for c in repo.list_calendars()]
    if all(c.calendar.name != DEFAULT_CALENDAR for c in found):
        found.append(StoredCalendar(0, default_calendar()))
    return sorted(found, key=lambda c: c.calendar.name)


def calendar(name: str) -> StoredCalendar:
    stored = repo.get_calendar(name) if 0 < len(name) <= 100 else None
    if stored is not None:
        return StoredCalendar(stored.version, Calendar.from_dict(stored.document))
    if name == DEFAULT_CALENDAR:
        return StoredCalendar(0, default_calendar())
    raise NotFound("calendar", name[:100])


def _named(name: str, document: Mapping[str, Any]) -> Calendar:
    new = Calendar.from_dict(document)
    if new.name != name:
        raise Unprocessable(f"the calendar's name {new.name!r} differs from the one in the path {name!r}")
    return new


def create_calendar(document: Mapping[str, Any]) -> StoredCalendar:
    new = Calendar.from_dict(document)
    stored = repo.save_calendar(new.name, new.to_dict(), None)
    return StoredCalendar(stored.version, new)


def replace_calendar(name: str, document: Mapping[str, Any], expected: int) -> StoredCalendar:
    """Replace the stored calendar of version `expected`; the built-in default (version 0) is replaced by storing
    one under its name."""
    new = _named(name, document)
    current = calendar(name)  # 404 for an unknown name
    if current.version != expected:
        raise StaleVersion("calendar", name, expected, current.version)
    stored = repo.save_calendar(name, new.to_dict(), expected if expected else None)
    return StoredCalendar(stored.version, new)


def delete_calendar(name: str, expected: int) -> None:
    """Delete a stored calendar no policy names (StillReferenced with the policies' names otherwise); the built-in
    default is not stored, so there is nothing to delete (NotFound); a stored `default` can be deleted (the built-in
    one applies again)."""
    current = calendar(name)
    if current.version == 0:
        raise NotFound("stored calendar", name)
    if name != DEFAULT_CALENDAR:
        using = [p.policy.name for p in policies() if p.policy.calendar == name]
        if using:
            raise StillReferenced("calendar", name, using)
    repo.delete_calendar(name, expected)
