from __future__ import annotations

import pytest

from loket.core.domain.errors import InvalidRequest
from loket.core.domain.ticket import Priority, format_number, normalize_email, normalize_tags, parse_number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("LKT-1042", 1042),
        ("lkt-7", 7),
        (" LKT-1 ", 1),
        ("LKT-", None),
        ("LKT-12a", None),
        ("1042", None),
        ("ABC-1", None),
        ("", None),
    ],
)
def test_parse_number(text: str, number: int | None) -> None:
    assert parse_number(text) == number


def test_format_number_round_trips() -> None:
    assert parse_number(format_number(1042)) == 1042


def test_priority_rank_sorts_urgent_first() -> None:
    assert sorted(Priority, key=lambda p: p.rank) == [Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW]


def test_tags_are_lowercased_and_deduplicated_in_order() -> None:
    assert normalize_tags(["VIP", "login", "vip", " billing "]) == ["vip", "login", "billing"]


@pytest.mark.parametrize("bad", ["has space", "x" * 51, "-leading", "semi;colon"])
def test_bad_tag_is_refused(bad: str) -> None:
    with pytest.raises(InvalidRequest):
        normalize_tags([bad])


def test_email_lookups_ignore_case_but_keep_plus_tags() -> None:
    assert normalize_email(" Budi+Billing@Example.COM ") == "budi+billing@example.com"
