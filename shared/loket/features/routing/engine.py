"""Route one ticket: evaluate the enabled rules on it and apply what they decide, exactly once.

`route(ticket_id, event_id)` reads the ticket and its first message, evaluates the rule set (`rules.evaluate`) and
applies the result through the core use case `record_routing` as the system actor `router`: one change, one audit
entry (field `routing`, new = {rule, name, rules, group, assignee, ..., changes}), and the decision remembered in
the ticket (`extra.routing`) in the same conditional write. A ticket that holds a decision is never routed again,
so a re-delivered or replayed event changes nothing and answers the decision made the first time.

What a person chose stands (kept, and listed in the audit entry as `kept`):
- the group, when an agent changed it, or when the ticket did not start in the default group (an agent opened it
  through the API with a group, or it is the follow-up of a closed ticket and kept that ticket's group) and not by
  mail to a group's address;
- the assignee, when the ticket has one;
- the priority and type, when an agent changed them.
The rules' other actions still apply. A ticket mailed to a group's address (`extra.group_address`) starts in that
group: a rule that picks a group moves it (the customer chose a mailbox, the rules know the words), but the
default group never takes it when no rule picks one. A quarantined, closed or merged ticket is not routed (nothing is
remembered, so a released ticket is routed when the router sees it released).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loket.core.data import tickets as ticket_repo
from loket.core.data.models import TicketItem
from loket.core.data.settings import DataSettings
from loket.core.domain.errors import VersionConflict
from loket.core.domain.ticket import Status
from loket.core.tickets import GROUP_ADDRESS, ROUTING, record_routing
from loket.features.routing import ruleset
from loket.features.routing.rules import Outcome, evaluate
from loket.platform import config

_ATTEMPTS = 5  # an agent changing the ticket meanwhile makes the router decide again on the fresh copy
_KEEPABLE = ("group", "assignee", "priority", "ticket_type")


@dataclass(frozen=True)
class RuleRef:
    id: str
    name: str


@dataclass(frozen=True)
class Decision:
    ticket_id: str
    group: str  # where the ticket is after routing
    assignee: str | None  # the assignee a rule set (None: none did, or a person's assignee was kept)
    rule: RuleRef | None  # the first rule that matched (None: no rule matched)
    rules: tuple[RuleRef, ...] = ()  # every rule that matched, in order (several in `all` mode)
    default_group: bool = False  # no rule picked a group
    changes: dict[str, dict[str, Any]] | None = None  # field -> old, new (None: not known, routed earlier)
    kept: tuple[str, ...] = ()  # fields a person had set, left alone
    already: bool = False  # routed before (by an earlier delivery): nothing changed now
    skipped: str | None = None  # why the ticket was not routed (quarantined, closed, merged)

    @classmethod
    def remembered(cls, ticket: TicketItem) -> Decision:
        record = (ticket.extra or {})[ROUTING]
        refs = tuple(RuleRef(r["id"], r["name"]) for r in record.get("rules") or [])
        return cls(
            ticket_id=ticket.ticket_id,
            group=ticket.group,
            assignee=record.get("assignee"),
            rule=refs[0] if refs else None,
            rules=refs,
            default_group=bool(record.get("default_group")),
            kept=tuple(record.get("kept") or ()),
            already=True,
        )


def _kept(ticket: TicketItem) -> list[str]:
    """The fields a person set, which routing leaves alone."""
    changed_by_agents = {a.field for a in ticket_repo.list_audit(ticket.ticket_id) if a.actor_kind == "agent"}
    kept = {f for f in _KEEPABLE if f in changed_by_agents}
    if ticket.group != config.load(DataSettings).default_group and not _by_group_address(ticket):
        kept.add("group")
    if ticket.assignee:
        kept.add("assignee")
    return [f for f in _KEEPABLE if f in kept]


def _by_group_address(ticket: TicketItem) -> bool:
    """Opened by mail to a group's address, in that group (the rules may move it, the default group does not)."""
    found = (ticket.extra or {}).get(GROUP_ADDRESS)
    return isinstance(found, dict) and found.get("group") == ticket.group


def _changes(ticket: TicketItem, outcome: Outcome, kept: list[str]) -> dict[str, Any]:
    fallback = outcome.default_group_used and _by_group_address(ticket)
    wanted: dict[str, Any] = {
        "group": None if fallback else outcome.group,
        "priority": outcome.priority.value if outcome.priority else None,
        "ticket_type": outcome.type,
        "assignee": outcome.assignee,
    }
    current = {"group": ticket.group, "priority": ticket.priority, "ticket_type": ticket.ticket_type,
               "assignee": ticket.assignee}  # fmt: skip
    changes = {
        name: value
        for name, value in wanted.items()
        if value is not None and name not in kept and value != current[name]
    }
    new_tags = [t for t in outcome.tags_add if t not in (ticket.tags or [])]
    if new_tags:
        changes["tags"] = [*(ticket.tags or []), *new_tags]
    return changes


def _skip_reason(ticket: TicketItem) -> str | None:
    if ticket.merged_into:
        return "merged"
    if ticket.status in (Status.QUARANTINED.value, Status.CLOSED.value):
        return ticket.status
    return None


def route(ticket_id: str, event_id: str) -> Decision:
    """Route a ticket once (see the module's docstring); a ticket routed before answers its earlier decision."""
    for _attempt in range(_ATTEMPTS):
        ticket = ticket_repo.get_ticket(ticket_id)
        if (ticket.extra or {}).get(ROUTING):
            return Decision.remembered(ticket)
        skipped = _skip_reason(ticket)
        if skipped:
            return Decision(ticket.ticket_id, ticket.group, None, None, skipped=skipped)
        settings = ruleset.settings()
        outcome = evaluate(ruleset.rules(), settings, ruleset.facts_of(ticket, ruleset.first_message(ticket)))
        kept = _kept(ticket)
        changes = _changes(ticket, outcome, kept)
        refs = tuple(RuleRef(r.id, r.name) for r in outcome.matched)
        if not refs and not changes:
            # no rule matched and the ticket stays where it is: nothing to write, so no new version appears under
            # an agent who has just opened the ticket (a replay decides again, by the rules of that moment)
            return Decision(
                ticket.ticket_id, ticket.group, None, None, default_group=True, changes={}, kept=tuple(kept)
            )
        record = {
            "event_id": event_id,
            "rule": refs[0].id if refs else None,
            "name": refs[0].name if refs else None,
            "rules": [{"id": r.id, "name": r.name} for r in refs],
            "mode": settings.mode,
            "group": changes.get("group", ticket.group),
            "assignee": changes.get("assignee"),
            "default_group": outcome.default_group_used,
            "kept": kept,
        }
        try:
            routed = record_routing(ticket.ticket_id, int(ticket.version), changes, record)
        except VersionConflict:
            continue
        if routed is None:  # another delivery routed it between our read and our write
            return Decision.remembered(ticket_repo.get_ticket(ticket_id))
        after, changed = routed
        return Decision(
            ticket_id=after.ticket_id,
            group=after.group,
            assignee=record["assignee"],
            rule=refs[0] if refs else None,
            rules=refs,
            default_group=outcome.default_group_used,
            changes=changed,
            kept=tuple(kept),
        )
    raise VersionConflict(ticket_id, None)
