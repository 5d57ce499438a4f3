"""Macro words (loket.features.macros.macro): placeholders, validation, rendering. Pure, no AWS."""

from __future__ import annotations

import typing

from hypothesis import given
from hypothesis import strategies as st

from loket.core.domain.ticket import Status
from loket.features.macros.macro import (
    PLACEHOLDERS,
    SETTABLE_STATUSES,
    Actions,
    Macro,
    placeholders_in,
    problems_of,
    render,
)
from loket.features.macros.schemas import SettableStatus

VALUES = {
    "requester_name": "Rina",
    "ticket_number": "LKT-7",
    "agent_name": "Sari",
    "status_link": "https://x/status/LKT-7?t=a",
}


def test_placeholders_may_have_spaces_inside_the_braces() -> None:
    assert placeholders_in("{{a}} {{ b }} {{\tc\n}}") == ["a", "b", "c"]
    assert render("Hi {{ requester_name }} ({{ticket_number}})", VALUES) == "Hi Rina (LKT-7)"


def test_unknown_placeholders_and_system_statuses_are_problems() -> None:
    assert problems_of(Macro("m", "n", " ".join("{{" + p + "}}" for p in PLACEHOLDERS))) == []
    [problem] = problems_of(Macro("m", "n", "{{customer}} {{ticket_number}} {{customer}} {{}}"))
    assert "{{customer}}" in problem and "{{}}" in problem
    assert problems_of(Macro("m", "n", "x", actions=Actions(status=Status.NEW)))
    assert problems_of(Macro("m", "n", "x", actions=Actions(tags_add=("a",), tags_remove=("a",))))


def test_the_schema_offers_exactly_the_settable_statuses() -> None:
    assert set(typing.get_args(SettableStatus)) == {s.value for s in SETTABLE_STATUSES}


def test_tags_after_removes_then_adds_once() -> None:
    assert Actions(tags_add=("b", "c"), tags_remove=("a",)).tags_after(["a", "b", "d"]) == ["b", "d", "c"]


@given(st.dictionaries(st.sampled_from(PLACEHOLDERS), st.text(max_size=40), min_size=len(PLACEHOLDERS)))
def test_a_value_is_put_in_as_text_and_never_read_again(values: dict[str, str]) -> None:
    body = "A {{requester_name}} B {{agent_name}} C {{ticket_number}} D {{status_link}} E {{unknown}}"
    expected = (
        f"A {values['requester_name']} B {values['agent_name']} C {values['ticket_number']} "
        f"D {values['status_link']} E {{{{unknown}}}}"
    )
    assert render(body, values) == expected


def test_the_demo_macros_are_valid_macros() -> None:
    from loket.features.macros.schemas import MacroIn
    from loket_local.demo import MACROS

    assert {m["name"] for m in MACROS} >= {"Refund issued", "Need more info"}
    for raw in MACROS:
        macro = MacroIn.model_validate(raw).macro("demo")
        assert problems_of(macro) == [], raw["name"]
