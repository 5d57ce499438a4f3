"""The group-scope rule, case by case: who sees a ticket of a group, assigned to someone."""

from __future__ import annotations

import pytest

from loket.core.domain.scope import scope_of

# (role, the caller's directory groups, the ticket's group, its assignee, in scope?)
CASES = [
    ("admin", (), "billing", None, True),
    ("admin", (), "billing", "someone-else", True),
    ("admin", ("it",), "billing", None, True),
    ("lead", ("billing",), "billing", None, True),
    ("lead", ("billing",), "billing", "someone-else", True),
    ("lead", ("billing",), "it", None, False),
    ("lead", ("billing",), "it", "me", True),
    ("lead", (), "billing", None, False),
    ("agent", ("billing", "it"), "it", None, True),
    ("agent", ("billing",), "billing", "someone-else", True),
    ("agent", ("billing",), "it", None, False),
    ("agent", ("billing",), "it", "someone-else", False),
    ("agent", ("billing",), "it", "me", True),
    ("agent", (), "billing", None, False),  # not in the directory: no groups
    ("agent", (), "billing", "me", True),  # ... but their own tickets
    ("agent", (), "billing", "", False),  # an empty assignee is nobody, not "me" of an agent without id
    ("agent", ("",), "", None, False),  # an empty group name is no group
]


@pytest.mark.parametrize(("role", "groups", "group", "assignee", "expected"), CASES)
def test_scope_covers(role: str, groups: tuple[str, ...], group: str, assignee: str | None, expected: bool) -> None:
    assert scope_of(role, "me", groups).covers(group, assignee) is expected


@pytest.mark.parametrize(
    ("role", "groups", "group", "expected"),
    [
        ("admin", (), "billing", True),
        ("lead", ("billing",), "billing", True),
        ("lead", ("billing",), "it", False),
        ("agent", ("billing",), "billing", True),
        ("agent", (), "billing", False),
    ],
)
def test_scope_covers_a_whole_group(role: str, groups: tuple[str, ...], group: str, expected: bool) -> None:
    assert scope_of(role, "me", groups).covers_group(group) is expected


def test_an_empty_agent_id_never_matches_an_unassigned_ticket() -> None:
    assert not scope_of("agent", "", ()).covers("billing", "")
    assert not scope_of("agent", "", ()).covers("billing", None)
