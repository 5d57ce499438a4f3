"""Routing rules as references of the directory: a rule's group and assignee, and the rule set's default group.

Registered with `loket.core.directory.register_references` when this module is imported (the rule routes import
it, and the agent API serves them beside the admin routes that remove groups and agents): removing a group or an
agent that a rule names answers 409 naming the rules, or, with `move_to`, the rules (and the default group) are
changed to name the other one, each with its version (read again when it changed meanwhile).
"""

from __future__ import annotations

from collections.abc import Callable

from loket.core import directory
from loket.core.domain.errors import StaleVersion
from loket.core.domain.ticket import Actor
from loket.features.routing import ruleset
from loket.features.routing.rules import Actions, Rule, RuleIn

_ATTEMPTS = 5


def _naming(field: str, ref: str) -> list[Rule]:
    return [r for r in ruleset.rules() if getattr(r.actions, field) == ref]


def _move(field: str, ref: str, to: str) -> None:
    for rule in _naming(field, ref):
        for attempt in range(_ATTEMPTS):
            actions = Actions.model_validate({**rule.actions.model_dump(), field: to})
            new = RuleIn(name=rule.name, enabled=rule.enabled, conditions=rule.conditions, actions=actions)
            try:
                ruleset.replace(rule.id, new, rule.version)
                break
            except StaleVersion:
                if attempt == _ATTEMPTS - 1:
                    raise
                rule = ruleset.rule(rule.id)


def rules_of_group(group: str) -> list[str]:
    found = [f"rule {r.name!r}" for r in _naming("group", group)]
    settings = ruleset.settings()
    if settings.version and settings.default_group == group:  # saved by an admin (else the deployment's default)
        found.append("the routing default group")
    return found


def move_group_rules(group: str, to: str, _actor: Actor) -> None:
    _move("group", group, to)
    settings = ruleset.settings()
    if settings.version and settings.default_group == group:
        ruleset.change_settings(settings.mode, to, settings.version)


def rules_of_agent(agent_id: str) -> list[str]:
    return [f"rule {r.name!r}" for r in _naming("assignee", agent_id)]


def move_agent_rules(agent_id: str, to: str, _actor: Actor) -> None:
    _move("assignee", agent_id, to)


_REGISTER: list[tuple[str, Callable[[str], list[str]], Callable[[str, str, Actor], None], str]] = [
    ("group", rules_of_group, move_group_rules, "routing.rules.group"),
    ("agent", rules_of_agent, move_agent_rules, "routing.rules.assignee"),
]
for kind, find, move, label in _REGISTER:
    directory.register_references(kind, find, move, label=label)
