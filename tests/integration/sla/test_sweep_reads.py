"""The sweep's reads grow with what is due, not with what is stored: 10 tickets due among 100 and among 5,000 open
tickets with running clocks read the same number of items (counted from the responses), and exactly those 10 are
acted on."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from typing import Any

import boto3
import pytest

from loket.core.data import keys
from loket.core.domain.clock import iso
from loket.features.sla import sweep
from tests.conftest import TABLE_NAME
from tests.integration.sla.conftest import START, Clocks
from tests.support.botocore_hooks import on_dynamodb_response


def _store_open_tickets(count: int) -> None:
    """`count` open tickets whose clocks run far ahead (due in a month), written directly in batches: their ticket
    items and SLA items with due keys, spread over the shards as the sweep's writes spread them."""
    later = iso(START + dt.timedelta(days=30))
    client = boto3.client("dynamodb")
    requests: list[dict[str, Any]] = []
    for _ in range(count):
        ticket_id = uuid.uuid4().hex
        pk = {"S": keys.ticket_pk(ticket_id)}
        requests.append({"PutRequest": {"Item": {"PK": pk, "SK": {"S": "TICKET"}, "type": {"S": "ticket"},
                                                 "id": {"S": ticket_id}, "status": {"S": "open"}}}})  # fmt: skip
        requests.append({"PutRequest": {"Item": {
            "PK": pk, "SK": {"S": keys.SLA_STATE_SK}, "type": {"S": "sla"}, "ticket_id": {"S": ticket_id},
            "SLAPK": {"S": keys.sla_due_pk(keys.sla_shard(ticket_id))},
            "SLASK": {"S": keys.sla_due_sk(later, ticket_id)}, "version": {"N": "1"}}}})  # fmt: skip
    for start in range(0, len(requests), 25):
        client.batch_write_item(RequestItems={TABLE_NAME: requests[start : start + 25]})


class ItemsRead:
    def __init__(self) -> None:
        self.items: Counter[str] = Counter()

    def record(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        if model.name in ("Query", "Scan"):
            self.items[model.name] += len(parsed.get("Items") or [])
        elif model.name == "GetItem":
            self.items[model.name] += 1 if parsed.get("Item") else 0
        elif model.name == "BatchGetItem":
            self.items[model.name] += sum(len(v) for v in (parsed.get("Responses") or {}).values())


def _sweep(at: dt.datetime, read: ItemsRead) -> tuple[sweep.SweepResult, Counter[str]]:
    read.items.clear()
    result = sweep.run(at)
    return result, Counter(read.items)


def test_ten_due_among_100_and_among_5000_open_tickets_read_the_same_items(
    clocks: Clocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    due = set()
    for _ in range(10):
        ticket = clocks.open()
        clocks.deliver(ticket.ticket_id)
        due.add(ticket.ticket_id)
    _store_open_tickets(100)
    read = ItemsRead()
    with on_dynamodb_response(monkeypatch, read.record):
        warned, read_100 = _sweep(START + dt.timedelta(minutes=45), read)
        assert {a["ticket_id"] for a in warned.acted} == due
        assert all(a["recorded"] == ["first_response:0:warned"] for a in warned.acted)

        _store_open_tickets(4900)
        breached, read_5000 = _sweep(START + dt.timedelta(minutes=61), read)
        assert {a["ticket_id"] for a in breached.acted} == due
        assert all(a["recorded"] == ["first_response:0:breached"] for a in breached.acted)

        assert read_100 == read_5000
        # the due keys, then each due ticket and its SLA item: nothing else (no policy or calendar is stored)
        assert read_100 == Counter({"Query": 10, "GetItem": 20})
