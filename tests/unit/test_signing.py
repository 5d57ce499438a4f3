"""Tokens with a fixed key (SIGNING_SECRET, as in local runs and tests): format and what never verifies."""

from __future__ import annotations

import pytest

from loket.platform import signing
from loket.platform.aws import reset as reset_platform
from tests.conftest import token_with


def test_a_token_is_the_hmac_of_purpose_and_value_in_lower_case_base32() -> None:
    token = signing.sign("status", "T1")

    assert token == token_with("test-signing-secret", "status", "T1")
    assert len(token) == 20 and token.isalnum() and token == token.lower()
    assert signing.verify("status", "T1", token)
    assert signing.verify("status", "T1", f" {token.upper()} ")  # as a mail client may have changed it


@pytest.mark.parametrize("token", [None, "", "a" * 20, "é" * 20, "\x00", "\uff41" * 20, "\ud800"])
def test_a_missing_wrong_or_non_ascii_token_does_not_verify_and_raises_nothing(token: str | None) -> None:
    assert not signing.verify("status", "T1", token)


def test_a_token_is_bound_to_its_purpose_and_value() -> None:
    assert not signing.verify("reply", "T1", signing.sign("status", "T1"))
    assert not signing.verify("status", "T2", signing.sign("status", "T1"))


def test_without_a_key_signing_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIGNING_SECRET")
    monkeypatch.delenv("SIGNING_SECRET_PARAM", raising=False)
    reset_platform()

    with pytest.raises(RuntimeError, match="SIGNING_SECRET_PARAM"):
        signing.sign("status", "T1")
