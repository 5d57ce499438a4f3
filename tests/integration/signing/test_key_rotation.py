"""The signing key on moto's SSM: a rotation is seen within five minutes, and tokens mailed before it keep
working for the grace period after it (through the parameter's version history), never longer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from loket.platform import signing
from loket.platform.aws import reset as reset_platform
from tests.conftest import SigningKey, token_with

TICKET = "01JQ3Z5V6W7X8Y9Z0A1B2C3D4E"


def _ssm_calls(monkeypatch: pytest.MonkeyPatch, deny: Callable[[str], bool] = lambda _: False) -> list[str]:
    """Every AWS operation the code calls from now on (moto answers below this); `deny` makes one fail."""
    calls: list[str] = []
    real = BaseClient._make_api_call

    def spy(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls.append(operation)
        if deny(operation):
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "denied"}}, operation)
        return real(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", spy)
    return calls


def test_new_tokens_use_a_rotated_key_once_the_cached_key_expires(signing_key: SigningKey) -> None:
    assert signing.sign("status", TICKET) == token_with("key-1", "status", TICKET)

    signing_key.rotate("key-2")
    signing_key.wait(minutes=4)
    assert signing.sign("status", TICKET) == token_with("key-1", "status", TICKET)  # read every five minutes
    signing_key.wait(minutes=2)

    assert signing.sign("status", TICKET) == token_with("key-2", "status", TICKET)
    assert signing.sign("reply", "1042") == token_with("key-2", "reply", "1042")


def test_a_token_of_the_previous_key_verifies_for_the_grace_period_after_the_rotation(
    signing_key: SigningKey,
) -> None:
    mailed = token_with("key-1", "status", TICKET)
    signing_key.wait(days=200)  # the grace period counts from the rotation, not from when the key was made
    signing_key.rotate("key-2")
    signing_key.wait(minutes=6)

    assert signing.sign("status", TICKET) == token_with("key-2", "status", TICKET)
    assert signing.verify("status", TICKET, mailed)
    signing_key.wait(days=89)
    assert signing.verify("status", TICKET, mailed)
    signing_key.wait(days=2)

    assert not signing.verify("status", TICKET, mailed)
    assert signing.verify("status", TICKET, token_with("key-2", "status", TICKET))


def test_each_earlier_key_keeps_its_own_grace_period(signing_key: SigningKey) -> None:
    first = token_with("key-1", "reply", "1042")
    signing_key.rotate("key-2")
    signing_key.wait(days=30)
    second = token_with("key-2", "reply", "1042")
    signing_key.rotate("key-3")
    signing_key.wait(minutes=6)

    assert signing.verify("reply", "1042", first)
    assert signing.verify("reply", "1042", second)
    signing_key.wait(days=61)  # 91 days after key-1 was replaced, 61 after key-2
    assert not signing.verify("reply", "1042", first)
    assert signing.verify("reply", "1042", second)
    signing_key.wait(days=30)
    assert not signing.verify("reply", "1042", second)
    assert signing.verify("reply", "1042", token_with("key-3", "reply", "1042"))


def test_a_token_of_an_unrelated_key_never_verifies(signing_key: SigningKey) -> None:
    forged = token_with("someone-elses-key", "status", TICKET)
    assert not signing.verify("status", TICKET, forged)

    signing_key.rotate("key-2")
    signing_key.wait(minutes=6)

    assert not signing.verify("status", TICKET, forged)
    assert not signing.verify("status", TICKET, token_with("key-1", "reply", TICKET))  # another purpose
    assert not signing.verify("status", TICKET, token_with("key-1", "status", TICKET + "X"))  # another value
    assert not signing.verify("status", TICKET, "")
    assert not signing.verify("status", TICKET, None)


def test_the_grace_period_is_a_setting(signing_key: SigningKey, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNING_GRACE_DAYS", "7")
    reset_platform()
    mailed = token_with("key-1", "status", TICKET)
    signing_key.rotate("key-2")
    signing_key.wait(days=6)

    assert signing.verify("status", TICKET, mailed)
    signing_key.wait(days=2)
    assert not signing.verify("status", TICKET, mailed)


def test_only_a_token_the_current_key_does_not_make_reads_the_history(
    signing_key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A function that only signs (the notifier) never reads the history, and one that verifies reads it at most
    once per cache lifetime, however many wrong tokens come: one GetParameter per five minutes otherwise."""
    calls = _ssm_calls(monkeypatch)
    current = signing.sign("status", TICKET)
    for _ in range(3):
        assert signing.verify("status", TICKET, current)
    assert calls == ["GetParameter"]

    for _ in range(3):
        assert not signing.verify("status", TICKET, "a" * 16)
    assert calls == ["GetParameter", "GetParameterHistory"]

    signing_key.wait(minutes=6)
    assert not signing.verify("status", TICKET, "a" * 16)
    assert calls == ["GetParameter", "GetParameterHistory", "GetParameter", "GetParameterHistory"]


def test_when_the_history_cannot_be_read_earlier_keys_do_not_verify_and_the_current_one_does(
    signing_key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailed = token_with("key-1", "status", TICKET)
    signing_key.rotate("key-2")
    signing_key.wait(minutes=6)
    denied = True
    calls = _ssm_calls(monkeypatch, deny=lambda operation: denied and operation == "GetParameterHistory")

    assert not signing.verify("status", TICKET, mailed)  # like any wrong token: no error page, no failed mail
    assert not signing.verify("status", TICKET, mailed)
    assert signing.verify("status", TICKET, token_with("key-2", "status", TICKET))
    assert calls.count("GetParameterHistory") == 1  # the failure is kept for the cache lifetime too

    denied = False
    signing_key.wait(minutes=6)
    assert signing.verify("status", TICKET, mailed)
