"""Loket's own addresses: the inbound gate and the notifier ask the same function."""

from __future__ import annotations

import pytest

from loket.core.domain.addresses import is_own_address

OWN = ("support@loket.example", "noreply@loket.example")


@pytest.mark.parametrize(
    ("address", "own"),
    [
        ("support@loket.example", True),
        ("support+LKT-7.abc@loket.example", True),
        ("noreply@loket.example", True),
        ("  Support@LOKET.example ", True),
        ("ani@customer.example", False),
        ("support@other.example", False),
        ("supporter@loket.example", False),
        ("+tag@loket.example", False),
        ("", False),
    ],
)
def test_own_address_any_case_any_plus_tag(address: str, own: bool) -> None:
    assert is_own_address(address, OWN) is own


def test_own_addresses_may_carry_a_plus_tag_themselves() -> None:
    assert is_own_address("help@loket.example", ["help+in@loket.example"])
