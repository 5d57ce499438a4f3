"""Rule matching, table-driven: each field and operator, all/any, first/all matches, the default group, and the
rules refused when they are saved (pure: no AWS)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from loket.features.routing.rules import (
    MAX_MATCHED_TEXT,
    Facts,
    RoutingSettings,
    Rule,
    RuleIn,
    evaluate,
    rule_matches,
)

TICKET = Facts(
    channel="email",
    requester_email="Rina@Acme.co.id",
    subject="Tagihan November salah / Invoice wrong",
    body="Hello, the app shows an error after login.\nWe are debugging it. Order #4411.",
    form_category="Billing",
    language="id",
    tags=("vip", "renewal"),
    priority="high",
    custom={"plan": "Enterprise", "seats": 12, "trial": False},
)


def _rule(conditions: dict[str, Any], actions: dict[str, Any] | None = None, **rest: Any) -> Rule:
    return Rule.model_validate(
        {
            "id": rest.pop("id", "r1"),
            "name": rest.pop("name", "a rule"),
            "conditions": conditions,
            "actions": actions or {"group": "billing"},
            **rest,
        }
    )


def _one(field: str, operator: str, value: Any) -> Rule:
    return _rule({"all": [{"field": field, "operator": operator, "value": value}]})


CONDITIONS = [
    # channel
    ("channel", "is", "email", True),
    ("channel", "is", "EMAIL", True),
    ("channel", "is", "web", False),
    ("channel", "is_not", "web", True),
    ("channel", "in", ["web", "email"], True),
    ("channel", "in", ["web", "api"], False),
    # requester email and domain
    ("requester_email", "is", "rina@acme.co.id", True),
    ("requester_email", "ends_with", "@acme.co.id", True),
    ("requester_email", "starts_with", "budi", False),
    ("requester_domain", "is", "acme.co.id", True),
    ("requester_domain", "ends_with", ".co.id", True),
    ("requester_domain", "in", ["example.com", "ACME.CO.ID"], True),
    ("requester_domain", "is_not", ["acme.co.id", "example.com"], False),
    # words on boundaries, case-insensitive
    ("subject", "contains", "tagihan", True),
    ("subject", "contains", "TAGIH", False),
    ("subject", "contains", ["refund", "invoice"], True),
    ("subject", "contains", "invoice wrong", True),
    ("subject", "not_contains", "invoice", False),
    ("subject", "not_contains", ["refund", "payment"], True),
    ("body", "contains", "bug", False),  # "debugging" is not the word "bug"
    ("body", "contains", "error", True),
    ("body", "contains", "#4411", True),
    ("subject", "contains", "error", False),
    ("subject_or_body", "contains", "error", True),
    ("subject_or_body", "contains", "tagihan", True),
    ("subject_or_body", "not_contains", "crash", True),
    ("subject", "starts_with", "tagihan", True),
    ("subject", "ends_with", "WRONG", True),
    ("subject", "is", "tagihan november salah / invoice wrong", True),
    # RE2 patterns, case-insensitive
    ("subject", "matches", r"invoice|refund|payment|tagihan|pembayaran", True),
    ("body", "matches", r"order #\d{4}\b", True),
    ("body", "matches", r"^we are", False),  # no multi-line mode: ^ is the start of the text
    ("body", "matches", r"(?m)^we are", True),
    ("subject", "matches", r"crash", False),
    # form category and language
    ("form_category", "is", "billing", True),
    ("form_category", "in", ["technical", "sales"], False),
    ("language", "is", "id", True),
    ("language", "is_not", "en", True),
    # tags: a condition holds for any tag
    ("tags", "contains", "vip", True),
    ("tags", "is", "renewal", True),
    ("tags", "in", ["gold", "vip"], True),
    ("tags", "not_contains", "spam", True),
    ("tags", "not_contains", "vip", False),
    ("tags", "starts_with", "ren", True),
    # priority
    ("priority", "is", "high", True),
    ("priority", "in", ["urgent", "low"], False),
    # custom fields (numbers and booleans read as text; a missing field is empty)
    ("custom.plan", "is", "enterprise", True),
    ("custom.seats", "is", "12", True),
    ("custom.seats", "matches", r"^1\d$", True),
    ("custom.trial", "is", "false", True),
    ("custom.region", "is", "asia", False),
    ("custom.region", "is_not", "asia", True),
]


@pytest.mark.parametrize(("field", "operator", "value", "expected"), CONDITIONS, ids=lambda v: str(v))
def test_each_condition_kind(field: str, operator: str, value: Any, expected: bool) -> None:
    assert rule_matches(_one(field, operator, value), TICKET) is expected


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({"all": [{"field": "channel", "operator": "is", "value": "email"},
                  {"field": "priority", "operator": "is", "value": "high"}]}, True),
        ({"all": [{"field": "channel", "operator": "is", "value": "email"},
                  {"field": "priority", "operator": "is", "value": "low"}]}, False),
        ({"any": [{"field": "channel", "operator": "is", "value": "web"},
                  {"field": "priority", "operator": "is", "value": "high"}]}, True),
        ({"any": [{"field": "channel", "operator": "is", "value": "web"},
                  {"field": "priority", "operator": "is", "value": "low"}]}, False),
        # all of `all` and one of `any`
        ({"all": [{"field": "language", "operator": "is", "value": "id"}],
          "any": [{"field": "tags", "operator": "is", "value": "gold"},
                  {"field": "tags", "operator": "is", "value": "vip"}]}, True),
        ({"all": [{"field": "language", "operator": "is", "value": "en"}],
          "any": [{"field": "tags", "operator": "is", "value": "vip"}]}, False),
    ],
)  # fmt: skip
def test_all_and_any(conditions: dict[str, Any], expected: bool) -> None:
    assert rule_matches(_rule(conditions), TICKET) is expected


BILLING = _rule({"any": [{"field": "subject", "operator": "contains", "value": ["invoice", "tagihan"]}]},
                {"group": "billing", "tags_add": ["billing"]}, id="billing", position=1)  # fmt: skip
ACME = _rule({"all": [{"field": "requester_domain", "operator": "is", "value": "acme.co.id"}]},
             {"group": "key-accounts", "priority": "urgent", "tags_add": ["acme"]}, id="acme", position=2)  # fmt: skip
TECH = _rule({"all": [{"field": "body", "operator": "contains", "value": "error"}]},
             {"group": "technical", "type": "problem", "assignee": "sub-7"}, id="tech", position=0)  # fmt: skip
OFF = _rule({"all": [{"field": "channel", "operator": "is", "value": "email"}]},
            {"group": "nowhere"}, id="off", position=-1, enabled=False)  # fmt: skip
NOTHING = Facts(channel="web", requester_email="x@example.com", subject="Hello", body="Thanks")


@pytest.mark.parametrize(
    ("mode", "facts", "matched", "group", "priority", "type", "assignee", "tags", "default"),
    [
        # first match, in position order; disabled rules never match
        ("first", TICKET, ["tech"], "technical", None, "problem", "sub-7", [], False),
        # every match, in order: later values win, tags add up
        ("all", TICKET, ["tech", "billing", "acme"], "key-accounts", "urgent", "problem", "sub-7",
         ["billing", "acme"], False),
        # no rule matches: the default group
        ("first", NOTHING, [], "support", None, None, None, [], True),
        ("all", NOTHING, [], "support", None, None, None, [], True),
    ],
)  # fmt: skip
def test_first_and_all_matches_and_the_default_group(
    mode: str, facts: Facts, matched: list[str], group: str, priority: str | None, type: str | None,
    assignee: str | None, tags: list[str], default: bool,
) -> None:  # fmt: skip
    settings = RoutingSettings(mode=mode, default_group="support")  # type: ignore[arg-type]
    outcome = evaluate([ACME, OFF, BILLING, TECH], settings, facts)
    assert [r.id for r in outcome.matched] == matched
    assert (outcome.group, outcome.priority, outcome.type, outcome.assignee) == (group, priority, type, assignee)
    assert (list(outcome.tags_add), outcome.default_group_used) == (tags, default)


def test_a_matching_rule_without_a_group_leaves_the_default_group() -> None:
    urgent = _rule({"all": [{"field": "priority", "operator": "is", "value": "high"}]}, {"priority": "urgent"})
    outcome = evaluate([urgent], RoutingSettings(default_group="support"), TICKET)
    assert ([r.id for r in outcome.matched], outcome.group, outcome.default_group_used) == (["r1"], "support", True)


@pytest.mark.parametrize(
    ("conditions", "actions", "reason"),
    [
        ({}, None, "at least one condition"),
        ({"all": [], "any": []}, None, "at least one condition"),
        ({"all": [{"field": "subject", "operator": "matches", "value": "(unclosed"}]}, None, "does not compile"),
        ({"all": [{"field": "subject", "operator": "matches", "value": r"(a)\1"}]}, None, "does not compile"),
        ({"all": [{"field": "subject", "operator": "matches", "value": "(?=look)ahead"}]}, None, "does not compile"),
        ({"all": [{"field": "subject", "operator": "matches", "value": "a" * 201}]}, None, "at most 200 characters"),
        ({"all": [{"field": "subject", "operator": "matches", "value": "x{1000}{1000}"}]}, None, "does not compile"),
        ({"all": [{"field": "subject", "operator": "matches", "value": ["a", "b"]}]}, None, "one pattern"),
        ({"all": [{"field": "subject", "operator": "in", "value": "a"}]}, None, "takes a list"),
        ({"all": [{"field": "mood", "operator": "is", "value": "angry"}]}, None, "unknown field 'mood'"),
        ({"all": [{"field": "custom.bad-name", "operator": "is", "value": "x"}]}, None, "unknown field"),
        ({"all": [{"field": "subject", "operator": "resembles", "value": "x"}]}, None, "operator"),
        ({"all": [{"field": "subject", "operator": "is", "value": ""}]}, None, "at least 1 character"),
        ({"all": [{"field": "subject", "operator": "is", "value": "x"}]}, {}, "at least one action"),
        ({"all": [{"field": "subject", "operator": "is", "value": "x"}]}, {"group": "Billing Team"}, "pattern"),
        ({"all": [{"field": "subject", "operator": "is", "value": "x"}]}, {"priority": "asap"}, "priority"),
    ],
)
def test_bad_rules_are_refused_at_save_time_with_the_reason(
    conditions: dict[str, Any], actions: dict[str, Any] | None, reason: str
) -> None:
    body = {"name": "bad", "conditions": conditions, "actions": {"group": "billing"} if actions is None else actions}
    with pytest.raises(ValidationError, match=reason):
        RuleIn.model_validate(body)


def test_patterns_that_stall_a_backtracking_engine_are_answered_by_re2() -> None:
    """Each of these runs for ages on Python's `re` over this text (exponential or cubic backtracking); RE2 answers
    in linear time, so the test finishes."""
    hostile = Facts(body="a" * (MAX_MATCHED_TEXT - 1) + "!")
    for pattern in (r"(a+)+$", r"(a|aa)*b", r".*.*.*x", r"^(\w+\s?)*$"):
        assert rule_matches(_one("body", "matches", pattern), hostile) is False, pattern


def test_only_the_first_characters_of_a_long_body_are_read() -> None:
    late = Facts(body="x " * MAX_MATCHED_TEXT + "refund")
    assert rule_matches(_one("body", "contains", "refund"), late) is False
    assert rule_matches(_one("body", "contains", "refund"), Facts(body="refund " + "x " * MAX_MATCHED_TEXT)) is True


def test_the_demo_rules_are_valid_and_route_the_demo_tickets() -> None:
    from loket_local.demo import FORM_TICKETS, MAILS, RULES

    rules = [Rule.model_validate({**r, "id": f"r{n}", "position": n}) for n, r in enumerate(RULES)]
    settings = RoutingSettings(default_group="support")

    def group_of(facts: Facts) -> str:
        return evaluate(rules, settings, facts).group

    mails = {subject: group_of(Facts(channel="email", requester_email=sender.split("<")[1].rstrip(">"),
                                     subject=subject, body=text)) for sender, subject, text in MAILS}  # fmt: skip
    forms = {f["subject"]: group_of(Facts(channel="web", requester_email=f["email"], subject=f["subject"],
                                          body=f["message"])) for f in FORM_TICKETS}  # fmt: skip
    assert mails == {
        "VPN disconnects every ten minutes": "technical",
        "Printer on the 3rd floor is jammed": "technical",
    }
    assert forms == {"Password reset mail never arrives": "support", "Pembayaran belum terkonfirmasi": "billing"}
    assert group_of(Facts(subject="Refund for order 12")) == "billing"
