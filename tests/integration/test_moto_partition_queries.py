"""The local stack and the tests read a partition of moto's table without sorting the whole table: the answers
(items, order, pages, filters, counts) are those DynamoDB gives, on a table with many partitions."""

from __future__ import annotations

import random
from typing import Any

import boto3
import pytest

from loket_local.aws import partition_queries

TABLE = "partitions"


@pytest.fixture
def table(aws: None) -> Any:
    partition_queries()
    client = boto3.client("dynamodb")
    client.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )  # fmt: skip
    rows = [(f"P{p}", f"S{s:03d}", s % 3) for p in range(10) for s in range(30)]
    for pk, sk, n in random.Random(4).sample(rows, len(rows)):
        client.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "sk": {"S": sk}, "n": {"N": str(n)}})
    return client


def _all_pages(client: Any, **query: Any) -> tuple[list[str], int]:
    keys: list[str] = []
    pages = 0
    start: dict[str, Any] = {}
    while True:
        page = client.query(TableName=TABLE, **query, **start)
        pages += 1
        keys += [item["sk"]["S"] for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return keys, pages
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def test_a_query_answers_its_partition_in_key_order_in_pages_either_way(table: Any) -> None:
    where = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "P7"}}}
    assert _all_pages(table, **where) == ([f"S{s:03d}" for s in range(30)], 1)
    assert _all_pages(table, **where, Limit=7, ScanIndexForward=False) == ([f"S{s:03d}" for s in range(29, -1, -1)], 5)


def test_range_conditions_filters_and_counts_are_dynamodb_s(table: Any) -> None:
    page = table.query(
        TableName=TABLE, KeyConditionExpression="pk = :p AND begins_with(sk, :s)", FilterExpression="n = :n",
        ExpressionAttributeValues={":p": {"S": "P3"}, ":s": {"S": "S01"}, ":n": {"N": "0"}},
    )  # fmt: skip
    assert [item["sk"]["S"] for item in page["Items"]] == ["S012", "S015", "S018"]
    assert (page["Count"], page["ScannedCount"]) == (3, 10)


def test_a_partition_that_does_not_exist_is_empty_and_stays_absent(table: Any) -> None:
    where = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "nobody"}}}
    assert _all_pages(table, **where) == ([], 1)
    assert table.describe_table(TableName=TABLE)["Table"]["ItemCount"] == 300
    assert table.scan(TableName=TABLE, Select="COUNT")["Count"] == 300
