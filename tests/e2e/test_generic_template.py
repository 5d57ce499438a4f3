"""The local stack on a small template of its own: routes, queues and schedules work from whatever the template says.

The fixture template (tests/e2e/fixtures/template.yaml) has a public and a JWT-protected route, a queue consumer
that fails some records and two schedules; the stack knows none of their names.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest

from loket_local.stack import LocalStack
from tests.e2e.conftest import FIXTURES, ManualClock, eventually, http, start_stack

pytestmark = pytest.mark.e2e

START = dt.datetime(2026, 12, 1, 1, 58, 30, tzinfo=dt.UTC)  # 08:58:30 in Jakarta


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, clock: ManualClock, own_stacks: None) -> Iterator[LocalStack]:
    stack = start_stack(tmp_path_factory.mktemp("generic-state"), FIXTURES / "template.yaml", clock=clock)
    yield stack
    stack.stop()


def record(stack: LocalStack, record_id: str) -> dict | None:
    reply = http(stack, "GET", f"/records/{record_id}")
    return reply.json() if reply.status == 200 else None


def dead_letters(stack: LocalStack) -> dict:
    return http(stack, "GET", "/_local/dlq.json").json()


def dead_letters_of(stack: LocalStack, source: str) -> tuple[str, dict]:
    return next((name, q) for name, q in dead_letters(stack).items() if q["source"] == source)


def test_public_route_reads_with_template_environment_resolved(stack: LocalStack) -> None:
    reply = http(stack, "GET", "/records/nothing-here")

    assert reply.status == 404
    assert reply.json() == {"message": "no such record"}


def test_protected_route_without_token_is_401_like_api_gateway(stack: LocalStack) -> None:
    reply = http(stack, "POST", "/work", {"jobs": []})

    assert reply.status == 401
    assert reply.json() == {"message": "Unauthorized"}


def test_protected_route_with_foreign_token_is_401(stack: LocalStack) -> None:
    forged = stack.issuer.tokens()["agent"][:-4] + "AAAA"

    reply = http(stack, "POST", "/work", {"jobs": []}, token=forged)

    assert reply.status == 401


def test_unknown_route_is_404_not_found(stack: LocalStack) -> None:
    reply = http(stack, "GET", "/nowhere/at/all")

    assert reply.status == 404
    assert reply.json() == {"message": "Not Found"}


def test_queue_consumer_partial_failures_retried_and_poison_lands_in_dlq(stack: LocalStack) -> None:
    jobs = [
        {"id": "job-ok", "mode": "ok"},
        {"id": "job-flaky", "mode": "flaky"},
        {"id": "job-poison", "mode": "poison"},
    ]

    queued = http(stack, "POST", "/work", {"jobs": jobs}, token=stack.issuer.tokens()["agent"])

    assert queued.status == 202
    assert queued.json() == {"queued": 3, "by": "agent@example.com"}
    dlq = eventually(lambda: (q := dead_letters_of(stack, "WorkQueue")[1])["count"] and q)
    assert [m["body"] for m in dlq["messages"]] == ['{"id": "job-poison", "mode": "poison"}']
    assert record(stack, "job-ok")["attempts"] == 1
    assert eventually(lambda: record(stack, "job-flaky"))["attempts"] == 2
    assert record(stack, "job-poison")["attempts"] == 2  # maxReceiveCount of the redrive policy


def test_dlq_redrive_sends_messages_back_through_the_consumer(stack: LocalStack) -> None:
    name = eventually(lambda: (found := dead_letters_of(stack, "WorkQueue"))[1]["count"] and found[0])

    moved = http(stack, "POST", f"/_local/dlq/{name}/redrive", headers={"Accept": "application/json"})

    assert moved.status == 200
    assert moved.json()["moved"] == 1
    assert eventually(lambda: (record(stack, "job-poison") or {}).get("attempts") == 4)
    assert eventually(lambda: dead_letters(stack)[name]["count"] == 1)


def test_schedules_fire_on_time_with_scheduled_time_in_event(stack: LocalStack, clock: ManualClock) -> None:
    clock.advance(minutes=2)  # 02:00:30 UTC = 09:00:30 in Jakarta; rate(5 minutes) counted from 01:58

    assert eventually(lambda: record(stack, "tick:aws.scheduler:2026-12-01T02:00:00Z"))["attempts"] == 1
    assert record(stack, "tick:aws.events:2026-12-01T02:03:00Z") is None

    clock.advance(minutes=3)

    assert eventually(lambda: record(stack, "tick:aws.events:2026-12-01T02:03:00Z"))["attempts"] == 1
    assert record(stack, "tick:aws.scheduler:2026-12-02T02:00:00Z") is None


def test_async_invocation_failing_its_retries_lands_in_function_dlq(stack: LocalStack, clock: ManualClock) -> None:
    clock.advance(minutes=5)  # past 02:08, when rate(10 minutes) from 01:58 fires the broken function

    name, dlq = eventually(lambda: (found := dead_letters_of(stack, "function:BrokenFunction"))[1]["count"] and found)

    assert name == "BrokenDeadLetters"
    assert json.loads(dlq["messages"][0]["body"])["time"] == "2026-12-01T02:08:00Z"
    failures = [i for i in http(stack, "GET", "/_local/invocations.json").json() if i["function"] == "BrokenFunction"]
    assert len(failures) == 2  # the first attempt and MaximumRetryAttempts: 1


def test_schedule_run_at_given_time_delivers_that_time(stack: LocalStack) -> None:
    reply = http(stack, "POST", "/_local/schedule/TickerFunctionMorningInJakarta?at=2026-12-25T09:00:00%2B07:00")

    assert reply.status == 200
    assert reply.json()["result"] == {"time": "2026-12-25T02:00:00Z"}
    assert record(stack, "tick:aws.scheduler:2026-12-25T02:00:00Z")["attempts"] == 1


def test_schedule_run_at_without_offset_is_400(stack: LocalStack) -> None:
    reply = http(stack, "POST", "/_local/schedule/TickerFunctionMorningInJakarta?at=2026-12-25T09:00:00")

    assert reply.status == 400


def test_invoke_posted_event_returns_function_result(stack: LocalStack) -> None:
    event = {"source": "manual", "time": "2027-01-01T00:00:00Z"}

    reply = http(stack, "POST", "/_local/invoke/TickerFunction", event)

    assert reply.status == 200
    assert reply.json() == {"function": "TickerFunction", "result": {"time": "2027-01-01T00:00:00Z"}}
