"""The rule set's use cases: read, create, replace, delete and reorder rules, read and change the settings, and try a
rule on a ticket. Everything a rule names must exist: its group and assignee in the directory (422 otherwise)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from loket.core import directory
from loket.core import tickets as ticket_cases
from loket.core.data import routing as repo
from loket.core.data import tickets as ticket_repo
from loket.core.data.models import EntryItem, TicketItem
from loket.core.data.settings import DataSettings
from loket.core.domain.errors import NotFound, ReferenceNotFound, StaleVersion, TicketNotFound, Unprocessable
from loket.core.domain.ordering import check_order
from loket.features.routing.rules import (
    MAX_RULES,
    Facts,
    Mode,
    Outcome,
    RoutingSettings,
    Rule,
    RuleIn,
    evaluate,
    rule_matches,
)
from loket.platform import config

_REORDER_ATTEMPTS = 3


def _rule(stored: repo.StoredRule) -> Rule:
    return Rule.model_validate({**stored.document, "id": stored.rule_id, "position": stored.position,
                                "version": stored.version})  # fmt: skip


def _document(rule: RuleIn) -> dict[str, Any]:
    return RuleIn.model_validate(rule.model_dump()).model_dump(mode="json", exclude_none=True)


def rules() -> list[Rule]:
    """Every rule, in position order."""
    return [_rule(r) for r in repo.list_rules()]


def rule(rule_id: str) -> Rule:
    found = repo.get_rule(rule_id) if 0 < len(rule_id) <= 64 else None
    if found is None:
        raise NotFound("rule", rule_id[:64])
    return _rule(found)


def unknown_references(new: RuleIn) -> list[str]:
    """What the rule names that the directory does not know, one sentence each."""
    problems = []
    group = new.actions.group
    if group and directory.group(group) is None:
        problems.append(f"actions.group: there is no group {group!r}")
    assignee = new.actions.assignee
    if assignee and directory.agent(assignee) is None:
        problems.append(f"actions.assignee: there is no agent {assignee!r}")
    return problems


def _check(new: RuleIn) -> None:
    problems = unknown_references(new)
    if problems:
        raise Unprocessable("; ".join(problems))


def create(new: RuleIn) -> Rule:
    """A new rule, last in the order."""
    _check(new)
    existing = repo.list_rules()
    if len(existing) >= MAX_RULES:
        raise Unprocessable(f"a rule set holds at most {MAX_RULES} rules; delete one first")
    position = max((r.position for r in existing), default=-1) + 1
    return _rule(repo.create_rule(uuid.uuid4().hex[:16], position, _document(new)))


def replace(rule_id: str, new: RuleIn, expected: int) -> Rule:
    rule(rule_id)  # 404 before any complaint about the body's references
    _check(new)
    return _rule(repo.replace_rule(rule_id, _document(new), expected))


def delete(rule_id: str, expected: int) -> None:
    rule(rule_id)
    repo.delete_rule(rule_id, expected)


def reorder(order: list[str]) -> list[Rule]:
    """Put the rules in the order of `order`, which names every rule exactly once; one transaction."""
    for _attempt in range(_REORDER_ATTEMPTS):
        current = {r.rule_id: r for r in repo.list_rules()}
        check_order(order, current, "rule")
        try:
            repo.reorder([current[i] for i in order])
        except StaleVersion:
            continue  # a rule changed meanwhile: its new version, same order
        return rules()
    raise StaleVersion("rule", "order", None)


# --- settings -------------------------------------------------------------------------------------


def settings() -> RoutingSettings:
    """The stored settings, or the defaults (first match; the data settings' default group) with version 0."""
    stored = repo.get_settings()
    if stored is None:
        return RoutingSettings(mode="first", default_group=config.load(DataSettings).default_group, version=0)
    return RoutingSettings.model_validate(vars(stored))


def change_settings(mode: Mode, default_group: str, expected: int) -> RoutingSettings:
    if directory.group(default_group) is None:
        raise Unprocessable(f"default_group: there is no group {default_group!r}")
    return RoutingSettings.model_validate(vars(repo.save_settings(mode, default_group, expected)))


# --- a ticket as the rules see it -----------------------------------------------------------------


def first_message(ticket: TicketItem) -> EntryItem | None:
    entries = ticket_repo.list_entries(ticket.ticket_id)
    return entries[0] if entries else None


def facts_of(ticket: TicketItem, first: EntryItem | None) -> Facts:
    custom = dict(ticket.custom_fields or {})
    category = custom.get("category")
    return Facts(
        channel=ticket.channel,
        requester_email=ticket.requester_email,
        subject=ticket.subject,
        body=first.body_text if first is not None else "",
        form_category=str(category) if category is not None else "",
        language=str((ticket.extra or {}).get("lang") or ""),
        tags=tuple(ticket.tags or ()),
        priority=ticket.priority,
        custom=custom,
    )


@dataclass(frozen=True)
class Trial:
    """What a rule does to a ticket, without changing anything: whether it matches, what it would set, and what the
    whole rule set would decide (another rule may come first)."""

    ticket: TicketItem
    rule: Rule
    matches: bool
    rule_set: Outcome


def trial(rule_id: str, ticket_ref: str) -> Trial:
    tried = rule(rule_id)
    try:
        ticket = ticket_cases.resolve(ticket_ref)
    except TicketNotFound:
        raise ReferenceNotFound(f"ticket: ticket {ticket_ref[:64]} does not exist") from None
    facts = facts_of(ticket, first_message(ticket))
    return Trial(ticket, tried, rule_matches(tried, facts), evaluate(rules(), settings(), facts))
