"""moto's TransactWriteItems, without its cost: it deep-copies the whole table once per item of a transaction, to
roll back when a condition fails, which makes a test with a few thousand items (and their stream records) take
seconds per transaction. Here every condition is checked first against the items as they are (as DynamoDB does:
all conditions see the state before the transaction), a failure cancels with the same reasons and nothing written,
and only then does moto apply the items, without the copy. Use it with the requests serialized (one at a time)
when threads share moto."""

from __future__ import annotations

import copy
import types
from typing import Any

import pytest
from moto.dynamodb import models
from moto.dynamodb.exceptions import TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table


def _key(backend: DynamoDBBackend, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        key: dict[str, Any] = op["Key"]
        return key
    table = backend.get_table(op["TableName"])
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def install(monkeypatch: pytest.MonkeyPatch) -> None:
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        reasons: list[Any] = []
        for item in transact_items:
            op_type, op = next(iter(item.items()))
            condition = op.get("ConditionExpression")
            if condition is None or op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                reasons.append((None, None, None))
                continue
            current = self.get_item(op["TableName"], _key(self, op_type, op))
            check = models.get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            )
            passed = check.expr(current)
            reasons.append(
                (None, None, None) if passed else ("ConditionalCheckFailed", "The conditional request failed", None)
            )
        if any(code is not None for code, _, _ in reasons):
            raise TransactionCanceledException(reasons)
        original(self, transact_items)

    def deepcopy(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", transact_write_items)
    monkeypatch.setattr(models, "copy", types.SimpleNamespace(deepcopy=deepcopy))
