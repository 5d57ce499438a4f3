"""The local stack's EventBridge pattern matcher: the subset the template uses and the common operators."""

from __future__ import annotations

from typing import Any

import pytest

from loket_local.patterns import EventPattern, PatternError
from loket_local.template import load_template

EVENT = {
    "source": "loket.tickets",
    "detail-type": "ticket.updated",
    "detail": {
        "ticket_number": 42,
        "tags": ["billing", "vip"],
        "assignee": None,
        "changes": [{"field": "status", "new": "open"}, {"field": "priority", "new": "urgent"}],
        "actor": {"kind": "agent", "id": "agent-budi"},
    },
}


@pytest.mark.parametrize(
    ("pattern", "matched"),
    [
        ({"source": ["loket.tickets"]}, True),
        ({"source": ["other"]}, False),
        ({"detail-type": ["ticket.created", "ticket.updated"]}, True),
        ({"detail": {"actor": {"kind": ["agent"]}}}, True),
        ({"detail": {"actor": {"kind": ["customer"]}}}, False),
        ({"detail": {"tags": ["vip"]}}, True),  # a value in an array of the event
        ({"detail": {"tags": ["spam"]}}, False),
        ({"detail": {"changes": {"field": ["priority"]}}}, True),  # a pattern inside an array of objects
        ({"detail": {"changes": {"field": ["group"]}}}, False),
        ({"detail": {"changes": {"new": [{"prefix": "urg"}]}}}, True),
        ({"detail-type": [{"prefix": "ticket."}]}, True),
        ({"detail-type": [{"prefix": "message."}]}, False),
        ({"detail-type": [{"suffix": ".updated"}]}, True),
        ({"detail-type": [{"equals-ignore-case": "TICKET.UPDATED"}]}, True),
        ({"detail-type": [{"anything-but": "ticket.created"}]}, True),
        ({"detail-type": [{"anything-but": ["ticket.created", "ticket.updated"]}]}, False),
        ({"detail-type": [{"anything-but": {"prefix": "ticket."}}]}, False),
        ({"detail": {"assignee": [None]}}, True),  # null matches a present null
        ({"detail": {"assignee": [{"exists": True}]}}, True),
        ({"detail": {"group": [{"exists": False}]}}, True),
        ({"detail": {"group": [{"exists": True}]}}, False),
        ({"detail": {"nothing": {"below": [{"exists": False}]}}}, True),
        ({"detail": {"ticket_number": [{"numeric": [">", 40, "<=", 42]}]}}, True),
        ({"detail": {"ticket_number": [{"numeric": ["<", 42]}]}}, False),
        ({"detail": {"ticket_number": [42]}}, True),
        ({"detail": {"ticket_number": ["42"]}}, False),  # a string never equals a number
        ({"detail": {"actor": {"id": [{"anything-but": "x"}]}, "missing": [{"anything-but": "x"}]}}, False),
        ({"$or": [{"detail-type": ["ticket.created"]}, {"detail": {"tags": ["vip"]}}]}, True),
        ({"$or": [{"detail-type": ["ticket.created"]}, {"detail": {"tags": ["spam"]}}]}, False),
        ({"source": []}, False),
    ],
)
def test_pattern_matches_like_eventbridge(pattern: dict[str, Any], matched: bool) -> None:
    assert EventPattern.load(pattern).matches(EVENT) is matched


@pytest.mark.parametrize(
    "pattern",
    [
        '{"source": "loket.tickets"}',  # a leaf must be a list
        '{"source": [{"wildcard": "loket.*"}]}',  # not implemented locally: refused, never matched wrongly
        '{"detail": {"n": [{"numeric": [">>", 1]}]}}',
        '{"$or": [{"source": ["a"]}]}',
        "[1]",
        "{not json",
    ],
)
def test_a_pattern_the_matcher_cannot_honour_is_refused_when_loaded(pattern: str) -> None:
    with pytest.raises(PatternError):
        EventPattern.load(pattern)


def test_every_pattern_in_the_template_loads() -> None:
    for resource in load_template()["Resources"].values():
        props = resource.get("Properties") or {}
        if resource["Type"] == "AWS::Events::Rule" and "EventPattern" in props:
            EventPattern.load(props["EventPattern"])
        for f in (props.get("SourceParameters") or {}).get("FilterCriteria", {}).get("Filters", []):
            EventPattern.load(f["Pattern"])
