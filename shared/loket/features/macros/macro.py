"""A macro: a name, a body with placeholders, whether it is a public reply or an internal note, and field changes
(status, priority, tags to add and remove). Pure Python.

Placeholders are `{{requester_name}}`, `{{ticket_number}}`, `{{agent_name}}` and `{{status_link}}` (spaces inside
the braces allowed). Saving a body with any other `{{...}}` is refused. Rendering replaces each known placeholder
with its value in one pass over the body: a value is plain text, never read again for placeholders (a requester
named `{{agent_name}}` stays that), and nothing else in the body is evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from loket.core.domain.ticket import Priority, Status

PLACEHOLDERS = ("requester_name", "ticket_number", "agent_name", "status_link")
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
# statuses an agent may set (new and quarantined are the system's)
SETTABLE_STATUSES = tuple(s for s in Status if s not in (Status.NEW, Status.QUARANTINED))


class MacroKind(StrEnum):
    PUBLIC_REPLY = "public_reply"  # mailed to the requester
    INTERNAL_NOTE = "internal_note"  # agents only


@dataclass(frozen=True)
class Actions:
    status: Status | None = None
    priority: Priority | None = None
    tags_add: tuple[str, ...] = ()
    tags_remove: tuple[str, ...] = ()

    def tags_after(self, tags: list[str]) -> list[str]:
        """A ticket's tags once the macro added and removed its own (order kept, added ones last)."""
        kept = [t for t in tags if t not in self.tags_remove]
        return kept + [t for t in self.tags_add if t not in kept]


@dataclass(frozen=True)
class Macro:
    macro_id: str
    name: str
    body: str
    kind: MacroKind = MacroKind.PUBLIC_REPLY
    actions: Actions = Actions()
    version: int | None = None  # None: not stored yet
    updated_at: str = ""


def placeholders_in(body: str) -> list[str]:
    """The names in every `{{...}}` of a body, stripped, in order."""
    return [m.group(1).strip() for m in _PLACEHOLDER.finditer(body)]


def problems_of(macro: Macro) -> list[str]:
    """What keeps a macro from being saved, one sentence each (empty: fine)."""
    found = []
    unknown = sorted({name for name in placeholders_in(macro.body) if name not in PLACEHOLDERS})
    if unknown:
        shown = ", ".join("{{" + name + "}}" for name in unknown)
        known = ", ".join("{{" + name + "}}" for name in PLACEHOLDERS)
        found.append(f"body: unknown placeholder {shown}; the known ones are {known}")
    if macro.actions.status is not None and macro.actions.status not in SETTABLE_STATUSES:
        found.append(f"actions.status: a macro cannot set {macro.actions.status.value}")
    both = sorted(set(macro.actions.tags_add) & set(macro.actions.tags_remove))
    if both:
        found.append(f"actions: tags both added and removed: {', '.join(both)}")
    return found


def render(body: str, values: Mapping[str, str]) -> str:
    """The body with each known placeholder replaced by its value (plain text, one pass)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        return values[name] if name in PLACEHOLDERS and name in values else match.group(0)

    return _PLACEHOLDER.sub(value, body)
