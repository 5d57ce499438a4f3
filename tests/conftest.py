"""Shared fixtures: fake AWS credentials, moto with the table built from template.yaml, events from events/."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
import time_machine
from moto import mock_aws

from loket.core.data.models import bind_data
from loket.platform.aws import reset as reset_platform
from loket_local.aws import partition_queries
from loket_local.template import table_create_args

# Every test gets fresh boto3 sessions (moto resets the default one; the platform's clients are rebuilt), and each
# new botocore session loads the same JSON models and endpoint data again: 0.1-0.3 s a client. One loader for the
# process keeps what it read (the data never changes while the tests run); clients and their sessions stay fresh.
botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)  # type: ignore[attr-defined]

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
TABLE_NAME = "loket-test-tickets"
SIGNING_PARAM = "/loket/test/signing-secret"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and region; a stray endpoint would send mock_aws traffic elsewhere."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "loket")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Loket")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_DEV", "false")
    monkeypatch.setenv("SIGNING_SECRET", "test-signing-secret")
    reset_platform()
    yield
    reset_platform()


@pytest.fixture
def aws() -> Iterator[None]:
    """moto for the whole test, with the tickets table created from template.yaml."""
    partition_queries()
    with mock_aws():
        boto3.client("dynamodb").create_table(**table_create_args("TicketsTable", TABLE_NAME))
        bind_data()
        yield


@pytest.fixture
def one_rate_window() -> Iterator[None]:
    """Rate limits count in windows of wall-clock time (an hour window starts at :00, a ten-minute one at :00,
    :10...). A test that hits a limit twice must not straddle the start of a window, or its second hit counts
    afresh: its clock starts just after a window starts, and keeps ticking."""
    with time_machine.travel(dt.datetime(2026, 12, 1, 2, 0, 5, tzinfo=dt.UTC), tick=True):
        yield


@dataclass
class SigningKey:
    """The SSM SecureString the code signs with (as deployed), and the clock: Powertools' cache, moto's
    parameter versions and the grace period all read it, so a test moves it instead of sleeping."""

    clock: time_machine.Traveller

    def rotate(self, value: str) -> None:
        """What the README tells the deployer to run: a new version of the same parameter."""
        boto3.client("ssm").put_parameter(Name=SIGNING_PARAM, Value=value, Type="SecureString", Overwrite=True)

    def wait(self, **delta: float) -> None:
        self.clock.shift(dt.timedelta(**delta))


@pytest.fixture
def signing_key(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[SigningKey]:
    """Signing through SIGNING_SECRET_PARAM instead of the fixed SIGNING_SECRET, first key "key-1"."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=True) as clock:
        boto3.client("ssm").put_parameter(Name=SIGNING_PARAM, Value="key-1", Type="SecureString")
        monkeypatch.delenv("SIGNING_SECRET")
        monkeypatch.setenv("SIGNING_SECRET_PARAM", SIGNING_PARAM)
        reset_platform()
        bind_data()
        yield SigningKey(clock)


def token_with(key: str, purpose: str, value: str) -> str:
    """The token `key` makes for `value` (the format of loket.platform.signing, written out independently)."""
    digest = hmac.new(key.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).digest()[:12]
    return base64.b32encode(digest).decode().rstrip("=").lower()


def load_event(relative: str, **overrides: Any) -> dict[str, Any]:
    """An event from events/ with top-level keys replaced (deep-copied, so tests cannot share state)."""
    event: dict[str, Any] = json.loads((EVENTS / relative).read_text())
    event = copy.deepcopy(event)
    event.update(overrides)
    return event


@pytest.fixture
def lambda_context() -> Any:
    class Context:
        function_name = "test-function"
        function_version = "$LATEST"
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
        memory_limit_in_mb = 512
        aws_request_id = "00000000-0000-0000-0000-000000000000"
        log_group_name = "/aws/lambda/test-function"
        log_stream_name = "test"

        @staticmethod
        def get_remaining_time_in_millis() -> int:
            return 10_000

    return Context()


os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
# Powertools' Logger and Metrics read these when loket.platform.observability is first imported (at collection)
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "loket")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Loket")


# the few tests that run for minutes go first, so the other workers share the rest while they run (the suite's
# wall time is then the slowest test or the rest split across workers, not their sum)
LONG_RUNNING = ("test_round_robin_gives_300_tickets_100_to_each_of_3_agents",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.name.startswith(LONG_RUNNING))
