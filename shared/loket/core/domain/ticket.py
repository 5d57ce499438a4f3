"""The ticket: statuses, priorities, channels, the transition rules, numbers (`format_number`,
`parse_number`, `NUMBER_PATTERN`: the one place that spells `LKT-`), entries and audit events.

Everything here is pure Python so it can be tested without AWS.

Status flow (Open, Pending, Resolved, Closed, plus `new`, `on_hold` and `quarantined`)::

    new -> open -> pending | on_hold -> resolved -> closed
    quarantined -> new (released by an agent) | closed (discarded)

* a customer message reopens a `pending` or `resolved` ticket; on a `closed` ticket it opens a
  linked follow-up ticket instead (closed is final);
* the first agent reply or an assignment moves a `new` ticket to `open`;
* only a `resolved` ticket closes, by an agent (`auto_close` is the action a later auto-close rule will
  use; nothing sends it yet).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from loket.core.domain.errors import InvalidRequest, InvalidTransition

NUMBER_PREFIX = "LKT"
# a ticket number as people write it (`LKT-1042`), the digits as group 1; for patterns that embed one (match it
# with re.IGNORECASE, like parse_number)
NUMBER_PATTERN = rf"{NUMBER_PREFIX}-(\d{{1,12}})"
_NUMBER_RE = re.compile(rf"^{NUMBER_PATTERN}$", re.IGNORECASE)


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"
    # outside the normal flow: mail held back by the SES verdicts or the parser; agents list and release it
    QUARANTINED = "quarantined"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """Sort rank: urgent first (0) to low last (3)."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class Channel(StrEnum):
    WEB = "web"
    EMAIL = "email"
    API = "api"
    CHAT = "chat"
    WHATSAPP = "whatsapp"


class EntryKind(StrEnum):
    CUSTOMER_MESSAGE = "customer_message"
    PUBLIC_REPLY = "public_reply"
    INTERNAL_NOTE = "internal_note"
    SYSTEM = "system"


class Action(StrEnum):
    """Things that happen to a ticket and may move its status."""

    CUSTOMER_MESSAGE = "customer_message"
    AGENT_REPLY = "agent_reply"
    INTERNAL_NOTE = "internal_note"
    ASSIGN = "assign"
    SET_OPEN = "set_open"
    SET_PENDING = "set_pending"
    SET_ON_HOLD = "set_on_hold"
    SET_RESOLVED = "set_resolved"
    SET_CLOSED = "set_closed"
    AUTO_CLOSE = "auto_close"
    MERGE_AWAY = "merge_away"
    RELEASE = "release"


class Outcome(StrEnum):
    """What an action does besides (maybe) changing status."""

    APPLY = "apply"
    FOLLOW_UP = "follow_up"  # the action goes to a new ticket linked to this one


S, A = Status, Action
_ACTIVE = (S.NEW, S.OPEN, S.PENDING, S.ON_HOLD)

# (status, action) -> new status. A pair missing from the table is an invalid transition,
# except CUSTOMER_MESSAGE on CLOSED which makes a follow-up (see `apply_action`).
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    # customer messages: reopen pending and resolved; new, open and on_hold keep their status
    (S.NEW, A.CUSTOMER_MESSAGE): S.NEW,
    (S.OPEN, A.CUSTOMER_MESSAGE): S.OPEN,
    (S.PENDING, A.CUSTOMER_MESSAGE): S.OPEN,
    (S.ON_HOLD, A.CUSTOMER_MESSAGE): S.ON_HOLD,
    (S.RESOLVED, A.CUSTOMER_MESSAGE): S.OPEN,
    # agent replies: the first one opens a new ticket; a reply to a resolved ticket keeps it resolved
    (S.NEW, A.AGENT_REPLY): S.OPEN,
    (S.OPEN, A.AGENT_REPLY): S.OPEN,
    (S.PENDING, A.AGENT_REPLY): S.PENDING,
    (S.ON_HOLD, A.AGENT_REPLY): S.ON_HOLD,
    (S.RESOLVED, A.AGENT_REPLY): S.RESOLVED,
    # notes never move the status; a closed ticket is read-only
    **{(s, A.INTERNAL_NOTE): s for s in (*_ACTIVE, S.RESOLVED)},
    # assignment opens a new ticket
    (S.NEW, A.ASSIGN): S.OPEN,
    **{(s, A.ASSIGN): s for s in (S.OPEN, S.PENDING, S.ON_HOLD, S.RESOLVED)},
    # explicit status changes by an agent
    **{(s, A.SET_OPEN): S.OPEN for s in (*_ACTIVE, S.RESOLVED)},
    **{(s, A.SET_PENDING): S.PENDING for s in _ACTIVE},
    **{(s, A.SET_ON_HOLD): S.ON_HOLD for s in _ACTIVE},
    **{(s, A.SET_RESOLVED): S.RESOLVED for s in (*_ACTIVE, S.RESOLVED)},
    (S.RESOLVED, A.SET_CLOSED): S.CLOSED,
    (S.RESOLVED, A.AUTO_CLOSE): S.CLOSED,
    # merging closes the source ticket whatever it was doing
    **{(s, A.MERGE_AWAY): S.CLOSED for s in (*_ACTIVE, S.RESOLVED)},
    # quarantined mail: notes allowed, more mail joins it, an agent releases it as a new ticket
    (S.QUARANTINED, A.INTERNAL_NOTE): S.QUARANTINED,
    (S.QUARANTINED, A.CUSTOMER_MESSAGE): S.QUARANTINED,
    (S.QUARANTINED, A.RELEASE): S.NEW,
    (S.QUARANTINED, A.SET_CLOSED): S.CLOSED,
}

_SET_ACTIONS = {
    S.OPEN: A.SET_OPEN,
    S.PENDING: A.SET_PENDING,
    S.ON_HOLD: A.SET_ON_HOLD,
    S.RESOLVED: A.SET_RESOLVED,
    S.CLOSED: A.SET_CLOSED,
}

_REASONS = {
    S.CLOSED: "closed tickets are final",
    S.NEW: "a ticket cannot go back to new",
    S.QUARANTINED: "release it from quarantine first",
}


def apply_action(status: Status, action: Action) -> tuple[Status, Outcome]:
    """Return the status after `action`, or raise InvalidTransition.

    A customer message on a closed ticket does not change it: the caller opens a follow-up.
    """
    if status is S.CLOSED and action is A.CUSTOMER_MESSAGE:
        return status, Outcome.FOLLOW_UP
    try:
        return TRANSITIONS[(status, action)], Outcome.APPLY
    except KeyError:
        reason = _REASONS.get(status, "")
        if action in (A.SET_CLOSED, A.AUTO_CLOSE) and status is not S.CLOSED:
            reason = "only a resolved ticket can be closed"
        if action is A.RELEASE:
            reason = "only a quarantined ticket can be released"
        raise InvalidTransition(status.value, action.value, reason) from None


def action_for_status(target: Status) -> Action:
    """The action an agent takes by setting `target` explicitly."""
    if target is S.NEW:
        raise InvalidTransition("any status", "set_new", _REASONS[S.NEW])
    if target is S.QUARANTINED:
        raise InvalidTransition("any status", "quarantine", "only the mail gate quarantines a ticket")
    return _SET_ACTIONS[target]


def format_number(n: int) -> str:
    return f"{NUMBER_PREFIX}-{n}"


def parse_number(text: str) -> int | None:
    """`LKT-1042` -> 1042; anything else -> None."""
    match = _NUMBER_RE.match(text.strip())
    return int(match.group(1)) if match else None


def normalize_email(address: str) -> str:
    """Lower-case an address for lookups. Plus-tags are kept: they may be real mailboxes."""
    return address.strip().lower()


def normalize_tags(tags: list[str]) -> list[str]:
    """Tags are lower-case words; duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for tag in tags:
        clean = tag.strip().lower()
        if not clean:
            continue
        if not re.fullmatch(r"[a-z0-9][a-z0-9_\-:.]{0,49}", clean):
            raise InvalidRequest(f"tag {tag!r} must be 1-50 letters, digits, '-', '_', ':' or '.'")
        seen[clean] = None
    return list(seen)


@dataclass(frozen=True)
class Actor:
    """Who did something: an agent, the customer, or the system."""

    kind: str  # "agent" | "customer" | "system"
    id: str
    email: str = ""
    role: str = ""

    @property
    def is_admin(self) -> bool:
        return self.kind == "agent" and self.role == "admin"


SYSTEM = Actor(kind="system", id="loket")


@dataclass(frozen=True)
class AuditEvent:
    """One changed field: who, what, old, new, when."""

    actor: Actor
    field: str
    old: Any
    new: Any
    at: datetime


@dataclass(frozen=True)
class AttachmentRef:
    """An attachment stored in S3; the item holds only the pointer."""

    key: str
    filename: str
    content_type: str
    size: int


@dataclass
class Change:
    """A set of field changes made to a ticket in one request, with their audit events."""

    actor: Actor
    at: datetime
    fields: dict[str, Any] = field(default_factory=dict)
    events: list[AuditEvent] = field(default_factory=list)

    def set(self, name: str, old: Any, new: Any) -> None:
        if old == new:
            return
        self.fields[name] = new
        self.events.append(AuditEvent(self.actor, name, old, new, self.at))
