"""EventBridge buses and their rules, played locally (moto's EventBridge skips retry policies and DLQs and misses
patterns inside arrays, so the stack matches patterns itself: `loket_local.patterns`).

`LocalBus.put(entries)` is PutEvents: each entry becomes an EventBridge event (version, id, detail-type, source,
account, time, region, resources, detail), is kept among the bus's recent events (the last 100, shown on
/_local/bus), and is sent to the SQS queue of every rule whose pattern matches it. A send that fails raises,
so the Pipe that put the batch retries it (and after its retries moves it to its dead-letter queue), as a
failed PutEvents does in AWS. Targets are checked when the stack starts (`Undeliverable`).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from loket_local.patterns import EventPattern, PatternError

RECENT = 100


class Undeliverable(RuntimeError):
    """A rule or Pipe target the local stack cannot deliver to: `make run` stops at start with the reason."""


@dataclass
class LocalRule:
    logical_id: str
    pattern: EventPattern
    raw_pattern: dict[str, Any]
    queues: list[tuple[str, str]]  # (queue ARN, queue URL) per target


@dataclass
class LocalBus:
    logical_id: str
    name: str
    arn: str
    account: str
    region: str
    send: Callable[[str, str], None]  # (queue URL, body): SQS SendMessage
    rules: list[LocalRule] = field(default_factory=list)
    recent: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RECENT))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_rule(self, logical_id: str, pattern: dict[str, Any], queues: list[tuple[str, str]]) -> None:
        try:
            compiled = EventPattern.load(pattern)
        except PatternError as exc:
            raise Undeliverable(f"rule {logical_id}: its EventPattern cannot be matched locally: {exc}") from exc
        self.rules.append(LocalRule(logical_id, compiled, pattern, queues))

    def put(self, entries: list[dict[str, Any]], now: Callable[[], dt.datetime] | None = None) -> list[dict[str, Any]]:
        """PutEvents: entries with Source, DetailType, Detail (JSON text) and optional Time and Resources."""
        events = []
        for entry in entries:
            moment = (now or (lambda: dt.datetime.now(dt.UTC)))()
            detail = json.loads(entry["Detail"]) if isinstance(entry["Detail"], str) else entry["Detail"]
            if not isinstance(detail, dict):
                raise ValueError("Detail is not a JSON object")
            event = {
                "version": "0",
                "id": str(uuid.uuid4()),
                "detail-type": str(entry["DetailType"]),
                "source": str(entry["Source"]),
                "account": self.account,
                "time": entry.get("Time") or moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "region": self.region,
                "resources": list(entry.get("Resources") or []),
                "detail": detail,
            }
            matched = [r for r in self.rules if r.pattern.matches(event)]
            body = json.dumps(event)
            for rule in matched:
                for _queue, url in rule.queues:
                    self.send(url, body)
            with self.lock:
                self.recent.append({"event": event, "rules": [r.logical_id for r in matched]})
            events.append(event)
        return events

    def recent_events(self) -> list[dict[str, Any]]:
        """The latest events, newest first, each with the rules it matched."""
        with self.lock:
            return list(reversed(self.recent))
