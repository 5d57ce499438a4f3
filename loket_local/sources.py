"""Event sources: what Lambda event source mappings, EventBridge Pipes and async invocations do in AWS.

- `SqsPoller`: receives from a queue in batches (batch size and batching window from the mapping), calls the
  function with an SQS event, deletes what succeeded and leaves failed records (partial batch responses honoured)
  to come back after the visibility timeout; moto moves a record to the DLQ after the redrive policy's
  maxReceiveCount.
- `StreamReader` / `PipePoller`: reads a DynamoDB table's stream and sends each record that passes the pipe's
  filter (an EventBridge pattern) to the pipe's target, as Pipes does.
- `StreamPoller`: a stream -> function mapping (records in batches, retried on failure).
- `AsyncInvoker`: asynchronous invocations (schedules, SES Lambda actions) with Lambda's two retries.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from loket_local.lambdas import FunctionError, FunctionRuntime
from loket_local.template import EventSourceMapping, Pipe

log = logging.getLogger("local-stack")


def _pattern(raw: str) -> Any:
    from loket_local.patterns import EventPattern

    return EventPattern.load(raw)


def matches(patterns: list[Any], record: dict[str, Any]) -> bool:
    return not patterns or any(p.matches_event(record) for p in patterns)


class _Worker(ABC):
    name = "worker"

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def join(self, timeout: float = 5.0) -> None:
        if self.thread.is_alive():
            self.thread.join(timeout)

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                if not self.step():
                    self.idle()
            except Exception:
                log.exception("%s failed; retrying", self.name)
                self.stop.wait(1.0)

    def idle(self) -> None:
        """Nothing to do: wait a little before the next step."""
        self.stop.wait(0.2)

    @abstractmethod
    def step(self) -> bool:
        """One round of work; True when there was something to do."""


# ---------------------------------------------------------------------------------------------- SQS


class SqsPoller(_Worker):
    def __init__(
        self,
        stop: threading.Event,
        esm: EventSourceMapping,
        function: str,
        queue_url: str,
        queue_arn: str,
        runtime: FunctionRuntime,
        sqs: Any,
        region: str,
    ) -> None:
        self.name = f"sqs:{queue_arn.rsplit(':', 1)[-1]}->{function}"
        super().__init__(stop)
        self.esm, self.function, self.queue_url, self.queue_arn = esm, function, queue_url, queue_arn
        self.runtime, self.sqs, self.region = runtime, sqs, region
        self.batch_size = esm.batch_size or 10
        self.patterns = [_pattern(f) for f in esm.filters]

    def step(self) -> bool:
        messages = self._collect()
        if not messages:
            return False
        self.deliver(messages)
        return True

    def _collect(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        deadline = time.monotonic() + self.esm.batching_window
        while len(messages) < self.batch_size and not self.stop.is_set():
            got = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(10, self.batch_size - len(messages)),
                WaitTimeSeconds=0 if messages else 1,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            messages.extend(got)
            if not messages or time.monotonic() >= deadline:
                break
            if not got:
                self.stop.wait(0.1)
        return messages

    def record(self, message: dict[str, Any]) -> dict[str, Any]:
        attributes = {}
        for name, attr in (message.get("MessageAttributes") or {}).items():
            value = {"dataType": attr.get("DataType"), "stringListValues": [], "binaryListValues": []}
            if "StringValue" in attr:
                value["stringValue"] = attr["StringValue"]
            if "BinaryValue" in attr:
                value["binaryValue"] = base64.b64encode(attr["BinaryValue"]).decode()
            attributes[name] = value
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": dict(message.get("Attributes") or {}),
            "messageAttributes": attributes,
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": self.region,
        }

    def deliver(self, messages: list[dict[str, Any]]) -> None:
        records, dropped = [], []
        for message in messages:
            record = self.record(message)
            if matches(self.patterns, _with_parsed_body(record)):
                records.append(record)
            else:
                dropped.append(message)  # Lambda deletes messages its filter rejects
        self._delete(dropped)
        if not records:
            return
        try:
            result = self.runtime.invoke(self.function, {"Records": records}, source=f"sqs {self.name}")
        except FunctionError:
            log.warning("%s: batch of %d failed; it comes back after the visibility timeout", self.name, len(records))
            return
        failed = self._failed_ids(result, records)
        if failed is None:
            log.warning("%s: invalid batchItemFailures; the whole batch is retried", self.name)
            return
        if failed:
            log.info("%s: %d of %d records failed and will be retried", self.name, len(failed), len(records))
        self._delete(
            [
                m
                for m in messages
                if m["MessageId"] in {r["messageId"] for r in records} and m["MessageId"] not in failed
            ]
        )

    def _failed_ids(self, result: Any, records: list[dict[str, Any]]) -> set[str] | None:
        if not self.esm.report_item_failures or not isinstance(result, dict):
            return set()
        failures = result.get("batchItemFailures") or []
        ids = {r["messageId"] for r in records}
        failed = set()
        for failure in failures:
            item = failure.get("itemIdentifier") if isinstance(failure, dict) else None
            if not item or item not in ids:
                return None
            failed.add(item)
        return failed

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )


def _with_parsed_body(record: dict[str, Any]) -> dict[str, Any]:
    """Filters on SQS match the body as JSON when it is JSON, as Lambda's filtering does."""
    try:
        return {**record, "body": json.loads(record["body"])}
    except (TypeError, ValueError):
        return record


# ---------------------------------------------------------------------------------------------- streams


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dt.datetime):
        return int(value.timestamp())
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


class StreamReader:
    """Records of a DynamoDB stream in order, from where the pipe or mapping starts reading."""

    def __init__(self, streams: Any, stream_arn: str, starting_position: str) -> None:
        self.streams, self.stream_arn = streams, stream_arn
        self.iterators: dict[str, str | None] = {}
        described = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]
        kind = "TRIM_HORIZON" if starting_position.upper() == "TRIM_HORIZON" else "LATEST"
        for shard in described.get("Shards", []):
            self.iterators[shard["ShardId"]] = streams.get_shard_iterator(
                StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType=kind
            )["ShardIterator"]

    def read(self, limit: int) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        for shard, iterator in list(self.iterators.items()):
            if iterator is None:
                continue
            got = self.streams.get_records(ShardIterator=iterator, Limit=limit)
            self.iterators[shard] = got.get("NextShardIterator")
            for record in got.get("Records", []):
                records.append({**_jsonable(record), "eventSourceARN": self.stream_arn})
        return records


class Changes(Protocol):
    """What the embedded AWS tells a reader that is waiting for something new (see aws.SerializedMoto)."""

    @property
    def generation(self) -> int: ...

    def wait_for_change(self, seen: int, timeout: float) -> bool: ...


class PipePoller(_Worker):
    def __init__(
        self,
        stop: threading.Event,
        pipe: Pipe,
        reader: Any,
        send: Callable[[list[dict[str, Any]]], None],
        changes: Changes | None = None,
        dead_letter: Callable[[list[dict[str, Any]], str], None] | None = None,
        retry_delay: float = 1.0,
    ) -> None:
        self.name = f"pipe:{pipe.logical_id}"
        super().__init__(stop)
        self.pipe, self.reader, self.send, self.changes = pipe, reader, send, changes
        self.dead_letter, self.retry_delay = dead_letter, retry_delay
        self.patterns = [_pattern(f) for f in pipe.filters]
        self._seen = -1
        self.pending: list[dict[str, Any]] = []  # read and chosen, not yet handed to the target
        self.attempts = 0

    def idle(self) -> None:
        """Read again as soon as something was written (not on a fixed beat): events leave at once, and an idle
        stack does not keep asking the stream."""
        if self.changes is None:
            super().idle()
        elif self.changes.wait_for_change(self._seen, timeout=0.5):
            self.stop.wait(0.05)  # let a burst of writes gather: one read takes them all
        else:
            self._seen = self.changes.generation

    def step(self) -> bool:
        """Hand on what was read, in order: a batch the target refuses is tried again (the records stay here, not
        lost with the read), and after the source's MaximumRetryAttempts goes to its dead-letter queue."""
        read = False
        if not self.pending:
            if self.changes is not None:
                self._seen = self.changes.generation  # before the read: a write after it wakes the next wait
            read = self._read()
        size = max(1, self.pipe.batch_size)
        while self.pending and not self.stop.is_set():
            batch = self.pending[:size]
            try:
                self.send(batch)
            except Exception as exc:
                self.attempts += 1
                limit = self.pipe.maximum_retry_attempts
                if 0 <= limit < self.attempts:
                    self._give_up(batch, f"{type(exc).__name__}: {exc}")
                else:
                    log.warning("%s: the target refused a batch of %d (%s); trying again", self.name, len(batch), exc)
                    self.stop.wait(min(self.retry_delay * self.attempts, 10.0))
                    return True
            self.pending, self.attempts = self.pending[len(batch) :], 0
        return read or bool(self.pending)

    def flush(self) -> int:
        """At stop, after the functions have finished: hand on what the stream still holds, once, so that an event
        written in the last moment waits in the target queue (saved with the state) instead of being skipped by
        the next start, which reads from the latest record. Returns how many records could not be handed on."""
        try:
            if not self.pending:
                self._read()
            size = max(1, self.pipe.batch_size)
            while self.pending:
                self.send(self.pending[:size])
                self.pending = self.pending[size:]
        except Exception:
            log.exception("%s: %d records not handed on at stop", self.name, len(self.pending))
        return len(self.pending)

    def _read(self) -> bool:
        """One read takes what the shard has (up to 1000, as GetRecords allows) into `pending`, filtered; the
        target gets it in pipe-sized batches. Whether anything was read at all."""
        records = self.reader.read(1000)
        self.pending = [r for r in records if matches(self.patterns, r)]
        return bool(records)

    def _give_up(self, batch: list[dict[str, Any]], error: str) -> None:
        if self.dead_letter is None:
            log.error("%s: a batch of %d dropped after %d attempts (no dead-letter queue): %s",
                      self.name, len(batch), self.attempts, error)  # fmt: skip
            return
        self.dead_letter(batch, error)
        log.warning("%s: a batch of %d moved to its dead-letter queue after %d attempts", self.name, len(batch),
                    self.attempts)  # fmt: skip


def render_input(template: str | None, record: dict[str, Any]) -> Any:
    """A pipe's InputTemplate with <$.path> placeholders filled from the record, or the record itself."""
    if not template:
        return record

    def lookup(match: re.Match[str]) -> str:
        value: Any = record
        for part in match.group(1).split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return json.dumps(value) if isinstance(value, dict | list) else "" if value is None else str(value)

    text = re.sub(r"<\$\.([^>]+)>", lookup, template)
    try:
        return json.loads(text)
    except ValueError:
        return text


def path_value(value: str, record: dict[str, Any]) -> str:
    """Pipes' dynamic parameters: "$.a.b" is looked up in the record, anything else is literal."""
    if not value.startswith("$."):
        return value
    current: Any = record
    for part in value[2:].split("."):
        current = current.get(part) if isinstance(current, dict) else None
    return "" if current is None else str(current)


class StreamPoller(_Worker):
    """A DynamoDB stream -> function event source mapping."""

    def __init__(
        self,
        stop: threading.Event,
        esm: EventSourceMapping,
        function: str,
        reader: StreamReader,
        runtime: FunctionRuntime,
    ) -> None:
        self.name = f"stream:{esm.logical_id}"
        super().__init__(stop)
        self.esm, self.function, self.reader, self.runtime = esm, function, reader, runtime
        self.patterns = [_pattern(f) for f in esm.filters]
        self.pending: list[dict[str, Any]] = []
        self.attempts = 0

    def step(self) -> bool:
        size = self.esm.batch_size or 100
        if len(self.pending) < size:
            self.pending.extend(r for r in self.reader.read(size) if matches(self.patterns, r))
        if not self.pending:
            return False
        batch = self.pending[:size]
        try:
            result = self.runtime.invoke(self.function, {"Records": batch}, source=f"stream {self.esm.logical_id}")
        except FunctionError:
            self.attempts += 1
            limit = self.esm.maximum_retry_attempts if self.esm.maximum_retry_attempts >= 0 else 5
            if self.attempts > limit:
                log.warning("%s: dropping a batch of %d after %d attempts", self.name, len(batch), self.attempts)
                self.pending, self.attempts = self.pending[len(batch) :], 0
            else:
                self.stop.wait(min(2.0 * self.attempts, 10.0))
            return True
        failures = result.get("batchItemFailures") if isinstance(result, dict) else None
        if self.esm.report_item_failures and failures:
            first = {str(f.get("itemIdentifier")) for f in failures}
            index = next((i for i, r in enumerate(batch) if r["dynamodb"].get("SequenceNumber") in first), len(batch))
            self.pending = self.pending[index:]
            self.attempts += 1
            return True
        self.pending, self.attempts = self.pending[len(batch) :], 0
        return True


# ---------------------------------------------------------------------------------------------- async


class AsyncInvoker:
    """Asynchronous invocation: queued, retried like Lambda (the function's MaximumRetryAttempts, default 2; delays
    scaled down to seconds), and the event handed to `on_failure(function, event, error)` when retries run out
    (the function's dead-letter queue or on-failure destination)."""

    def __init__(
        self,
        runtime: FunctionRuntime,
        stop: threading.Event,
        retries: dict[str, int] | None = None,
        on_failure: Callable[[str, Any, str], None] | None = None,
        delay: float = 1.0,
    ) -> None:
        self.runtime, self.stop, self.retries, self.on_failure, self.delay = (
            runtime,
            stop,
            retries or {},
            on_failure,
            delay,
        )
        self.pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="async-invoke")  # each function caps itself

    def submit(self, function: str, event: Any, source: str) -> None:
        self.pool.submit(self._run, function, event, source)

    def _run(self, function: str, event: Any, source: str) -> None:
        attempts = 1 + self.retries.get(function, 2)
        error = ""
        for attempt in range(attempts):
            if attempt and self.stop.wait(self.delay * attempt):
                error = f"{error} (the local stack stopped before retry {attempt} of {attempts - 1})"
                break
            try:
                self.runtime.invoke(function, event, source=source)
                return
            except FunctionError as exc:
                error = str(exc)
                log.warning("%s (%s) failed on attempt %d of %d", function, source, attempt + 1, attempts)
        if self.on_failure is not None:
            try:
                self.on_failure(function, event, error)
            except Exception:
                log.exception("could not hand the failed event of %s to its dead-letter target", function)

    def shutdown(self) -> None:
        """Run what was accepted to its end (a retry still due goes to the dead-letter target instead)."""
        self.pool.shutdown(wait=True)
