"""The rule set in the table (moto): rules in position order, versions, references checked against the directory,
reorder in one transaction, the settings, and races staged between a read and a write."""

from __future__ import annotations

from typing import Any

import pytest

from loket.core import directory
from loket.core.domain.directory import Agent, Group
from loket.core.domain.errors import NotFound, StaleVersion, Unprocessable
from loket.features.routing import ruleset
from loket.features.routing.rules import MAX_RULES, RuleIn
from tests.support.botocore_hooks import before_first, on_dynamodb_call


@pytest.fixture(autouse=True)
def groups(aws: None) -> None:
    directory.save_group(Group("billing"))
    directory.save_group(Group("technical"))
    directory.save_agent(Agent("sub-sari", "sari@loket.example", groups=("billing",)))


def _rule(name: str, **actions: Any) -> RuleIn:
    return RuleIn.model_validate(
        {
            "name": name,
            "conditions": {"all": [{"field": "subject", "operator": "contains", "value": name}]},
            "actions": actions or {"group": "billing"},
        }
    )


def test_rules_are_listed_in_position_order_and_new_ones_go_last() -> None:
    made = [ruleset.create(_rule(name)) for name in ("one", "two", "three")]
    assert [(r.name, r.position, r.version) for r in ruleset.rules()] == [("one", 0, 1), ("two", 1, 1), ("three", 2, 1)]
    assert ruleset.rule(made[1].id) == made[1]


def test_changes_need_the_current_version() -> None:
    rule = ruleset.create(_rule("invoice"))
    changed = ruleset.replace(rule.id, _rule("refund", group="technical"), 1)
    assert (changed.name, changed.actions.group, changed.version, changed.position) == ("refund", "technical", 2, 0)
    with pytest.raises(StaleVersion, match="you sent version 1, current is 2"):
        ruleset.replace(rule.id, _rule("late"), 1)
    with pytest.raises(StaleVersion):
        ruleset.delete(rule.id, 1)
    ruleset.delete(rule.id, 2)
    with pytest.raises(NotFound, match=f"rule {rule.id} does not exist"):
        ruleset.rule(rule.id)
    with pytest.raises(NotFound):
        ruleset.replace(rule.id, _rule("gone"), 2)


@pytest.mark.parametrize(
    ("actions", "reason"),
    [
        ({"group": "sales"}, "actions.group: there is no group 'sales'"),
        ({"assignee": "sub-nobody"}, "actions.assignee: there is no agent 'sub-nobody'"),
        ({"group": "sales", "assignee": "sub-nobody"}, "no group 'sales'; actions.assignee"),
    ],
)
def test_a_rule_naming_an_unknown_group_or_agent_is_refused(actions: dict[str, str], reason: str) -> None:
    with pytest.raises(Unprocessable, match=reason):
        ruleset.create(_rule("x", **actions))
    assert ruleset.rules() == []
    kept = ruleset.create(_rule("ok", group="billing", assignee="sub-sari"))
    with pytest.raises(Unprocessable, match=reason):
        ruleset.replace(kept.id, _rule("x", **actions), kept.version)


def test_reorder_rewrites_every_position_in_one_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b, c = (ruleset.create(_rule(name)) for name in ("a", "b", "c"))
    calls: list[str] = []
    with on_dynamodb_call(monkeypatch, lambda model, **_: calls.append(model.name)):
        after = ruleset.reorder([c.id, a.id, b.id])
    assert [(r.id, r.position) for r in after] == [(c.id, 0), (a.id, 1), (b.id, 2)]
    assert calls.count("TransactWriteItems") == 1 and "Scan" not in calls
    assert [r.version for r in after] == [2, 2, 2]  # a reorder is a change of each rule (If-Match)


@pytest.mark.parametrize(
    ("order", "reason"),
    [
        (["A", "B"], "missing: C"),
        (["A", "B", "C", "C"], "named twice: C"),
        (["A", "B", "C", "nope"], "no such rule: nope"),
        ([], "missing: "),
    ],
)
def test_reorder_must_name_every_rule_exactly_once(order: list[str], reason: str) -> None:
    made = {name: ruleset.create(_rule(name)).id for name in ("A", "B", "C")}
    ids = [made.get(name, name) for name in order]
    expected = reason
    for name, rule_id in made.items():
        expected = expected.replace(f": {name}", f": {rule_id}")
    with pytest.raises(Unprocessable, match=expected):
        ruleset.reorder(ids)
    assert [r.name for r in ruleset.rules()] == ["A", "B", "C"]


def test_a_rule_changed_during_a_reorder_keeps_its_change_and_takes_its_new_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = ruleset.create(_rule("a")), ruleset.create(_rule("b"))
    with before_first(monkeypatch, "TransactWriteItems", lambda: ruleset.replace(a.id, _rule("a2"), 1)):
        after = ruleset.reorder([b.id, a.id])
    assert [(r.name, r.position, r.version) for r in after] == [("b", 0, 2), ("a2", 1, 3)]


def test_at_most_max_rules() -> None:
    for n in range(MAX_RULES):
        ruleset.create(_rule(f"r{n}"))
    with pytest.raises(Unprocessable, match=f"at most {MAX_RULES} rules"):
        ruleset.create(_rule("one too many"))
    order = [r.id for r in reversed(ruleset.rules())]
    assert [r.id for r in ruleset.reorder(order)] == order  # the largest rule set reorders in one transaction


def test_settings_start_from_the_data_settings_and_change_with_their_version() -> None:
    first = ruleset.settings()
    assert (first.mode, first.default_group, first.version) == ("first", "support", 0)
    with pytest.raises(Unprocessable, match="default_group: there is no group 'support'"):
        ruleset.change_settings("all", "support", 0)
    saved = ruleset.change_settings("all", "billing", 0)
    assert (saved.mode, saved.default_group, saved.version) == ("all", "billing", 1)
    assert ruleset.settings() == saved
    with pytest.raises(StaleVersion):
        ruleset.change_settings("first", "technical", 0)
    assert ruleset.change_settings("first", "technical", 1).version == 2
