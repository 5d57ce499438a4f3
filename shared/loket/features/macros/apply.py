"""Applying a macro to a ticket: its body rendered for this ticket and agent, posted as a public reply or an
internal note together with its field changes, as one change (one transaction, one audit entry naming the macro).
"""

from __future__ import annotations

from typing import Any

from loket.core import directory, status_links
from loket.core import tickets as svc
from loket.core.data.models import TicketItem
from loket.core.domain.ticket import Actor, Channel, EntryKind, format_number
from loket.features.macros import store
from loket.features.macros.macro import Macro, MacroKind, render
from loket.features.macros.settings import MacroSettings
from loket.platform import config


def values_for(ticket: TicketItem, actor: Actor, base_url: str) -> dict[str, str]:
    """What each placeholder stands for on this ticket, for this agent."""
    settings = config.load(MacroSettings)
    agent = directory.agent(actor.id)
    lang = str((ticket.extra or {}).get("lang") or settings.default_language)
    number = int(ticket.number)
    return {
        "requester_name": ticket.requester_name or ticket.requester_email,
        "ticket_number": format_number(number),
        "agent_name": agent.label if agent else (actor.email or actor.id),
        "status_link": status_links.url(
            settings.public_base_url or base_url, number, status_links.token(ticket.ticket_id), lang
        ),
    }


def changes_of(macro: Macro, ticket: TicketItem) -> dict[str, Any]:
    """The ticket fields the macro changes (only those that differ)."""
    a = macro.actions
    changes: dict[str, Any] = {}
    if a.status is not None:
        changes["status"] = a.status.value
    if a.priority is not None and a.priority.value != ticket.priority:
        changes["priority"] = a.priority.value
    tags = a.tags_after(list(ticket.tags or []))
    if tags != list(ticket.tags or []):
        changes["tags"] = tags
    return changes


def apply_macro(
    ticket: TicketItem, macro_id: str, expected_version: int, actor: Actor, base_url: str
) -> svc.EntryResult:
    """Apply macro `macro_id` to `ticket` (as read, in the caller's scope) at version `expected_version` (If-Match)."""
    macro = store.get(macro_id)
    body = render(macro.body, values_for(ticket, actor, base_url))
    kind = EntryKind.PUBLIC_REPLY if macro.kind is MacroKind.PUBLIC_REPLY else EntryKind.INTERNAL_NOTE
    entry = svc.NewEntry(kind, actor, body, channel=Channel.API if kind is EntryKind.PUBLIC_REPLY else None)
    about = {"id": macro.macro_id, "name": macro.name}
    return svc.change_with_entry(ticket, expected_version, entry, changes_of(macro, ticket), "macro", about)
