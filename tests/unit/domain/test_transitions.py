"""Every (status, action) pair of the ticket's status flow, table-driven.

The table below is the specification, written out by hand: one row per action, one column per status.
`x` = refused (InvalidTransition), `F` = a follow-up ticket is opened instead.
"""

from __future__ import annotations

import pytest

from loket.core.domain.errors import InvalidTransition
from loket.core.domain.ticket import Action, Outcome, Status, action_for_status, apply_action

COLUMNS = ["new", "open", "pending", "on_hold", "resolved", "closed", "quarantined"]
SPEC = {
    "customer_message": "new       open  open    on_hold  open     F      quarantined",
    "agent_reply":      "open      open  pending on_hold  resolved x      x",
    "internal_note":    "new       open  pending on_hold  resolved x      quarantined",
    "assign":           "open      open  pending on_hold  resolved x      x",
    "set_open":         "open      open  open    open     open     x      x",
    "set_pending":      "pending   pending pending pending x       x      x",
    "set_on_hold":      "on_hold   on_hold on_hold on_hold x       x      x",
    "set_resolved":     "resolved  resolved resolved resolved resolved x x",
    "set_closed":       "x         x     x       x        closed   x      closed",
    "auto_close":       "x         x     x       x        closed   x      x",
    "merge_away":       "closed    closed closed closed   closed   x      x",
    "release":          "x         x     x       x        x        x      new",
}  # fmt: skip

CASES = [
    (Status(status), Action(action), cell)
    for action, row in SPEC.items()
    for status, cell in zip(COLUMNS, row.split(), strict=True)
]


def test_spec_covers_every_status_and_action() -> None:
    assert {c[0] for c in CASES} == set(Status)
    assert {c[1] for c in CASES} == set(Action)
    assert len(CASES) == len(Status) * len(Action)


@pytest.mark.parametrize(("status", "action", "expected"), CASES, ids=[f"{s.value}-{a.value}" for s, a, _ in CASES])
def test_transition(status: Status, action: Action, expected: str) -> None:
    if expected == "x":
        with pytest.raises(InvalidTransition) as caught:
            apply_action(status, action)
        assert status.value in str(caught.value)
    elif expected == "F":
        assert apply_action(status, action) == (status, Outcome.FOLLOW_UP)
    else:
        assert apply_action(status, action) == (Status(expected), Outcome.APPLY)


@pytest.mark.parametrize("target", [Status.NEW, Status.QUARANTINED])
def test_agent_cannot_set_new_or_quarantined(target: Status) -> None:
    with pytest.raises(InvalidTransition):
        action_for_status(target)


def test_closed_refusal_says_closed_is_final() -> None:
    with pytest.raises(InvalidTransition, match="closed tickets are final"):
        apply_action(Status.CLOSED, Action.AGENT_REPLY)
