"""The local stack's Pipe: what it read is handed on in order, retried when the target refuses it, and after the
source's MaximumRetryAttempts put in its dead-letter queue; never lost with the read."""

from __future__ import annotations

import threading
from typing import Any

from loket_local.sources import PipePoller
from loket_local.template import Pipe


class Shard:
    """Stream records handed out once, as a shard iterator does."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records

    def read(self, limit: int) -> list[dict[str, Any]]:
        taken, self.records = self.records[:limit], self.records[limit:]
        return taken


def record(n: int) -> dict[str, Any]:
    return {"eventName": "INSERT", "dynamodb": {"SequenceNumber": str(n), "NewImage": {"n": {"N": str(n)}}}}


def pipe(retries: int, batch_size: int = 2) -> Pipe:
    return Pipe("TestPipe", None, None, (), batch_size, "LATEST", True, None, {}, retries, "arn:dlq")


class Target:
    def __init__(self, failures: int) -> None:
        self.failures, self.batches = failures, []

    def __call__(self, batch: list[dict[str, Any]]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("queue unreachable")
        self.batches.append([r["dynamodb"]["SequenceNumber"] for r in batch])


def poller(shard: Shard, target: Target, retries: int, dead: list) -> PipePoller:
    return PipePoller(threading.Event(), pipe(retries), shard, target,
                      dead_letter=lambda batch, error: dead.append((batch, error)), retry_delay=0)  # fmt: skip


def run(poller: PipePoller, steps: int) -> None:
    for _ in range(steps):
        poller.step()


def test_a_refused_batch_is_kept_and_handed_on_in_order_once_the_target_takes_it() -> None:
    shard, target, dead = Shard([record(n) for n in range(1, 6)]), Target(failures=2), []

    run(poller(shard, target, retries=10, dead=dead), steps=4)

    assert target.batches == [["1", "2"], ["3", "4"], ["5"]]
    assert dead == []


def test_a_batch_refused_past_its_retries_goes_to_the_dead_letter_queue_and_the_rest_goes_on() -> None:
    shard, target, dead = Shard([record(n) for n in range(1, 4)]), Target(failures=3), []

    run(poller(shard, target, retries=2, dead=dead), steps=4)

    assert [[r["dynamodb"]["SequenceNumber"] for r in batch] for batch, _ in dead] == [["1", "2"]]
    assert "ConnectionError: queue unreachable" in dead[0][1]
    assert target.batches == [["3"]]


def test_without_a_retry_limit_the_pipe_keeps_trying() -> None:
    shard, target, dead = Shard([record(1)]), Target(failures=5), []

    run(poller(shard, target, retries=-1, dead=dead), steps=6)

    assert target.batches == [["1"]]
    assert dead == []
