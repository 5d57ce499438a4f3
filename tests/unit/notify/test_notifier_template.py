"""The notifier's delivery path as template.yaml declares it: pipe filter, queue, DLQ, batch settings, idempotency."""

from __future__ import annotations

import json
from typing import Any

import pytest

from loket.channels.email.settings import NotifierSettings
from loket_local.template import load_template
from tests.conftest import load_event
from tests.integration.notifier.conftest import pipe_patterns

RESOURCES = load_template()["Resources"]


def _props(name: str) -> dict[str, Any]:
    props: dict[str, Any] = RESOURCES[name]["Properties"]
    return props


def _stream_record(change: Any = None) -> Any:
    body: Any = json.loads(load_event("notifier/ticket_created.json")["Records"][0]["body"])
    if change:
        change(body)
    return body


@pytest.mark.parametrize(
    ("change", "delivered"),
    [
        (None, True),
        (lambda b: b.update(eventName="MODIFY"), False),
        (lambda b: b.update(eventName="REMOVE"), False),  # the outbox TTL deleting an old event
        (lambda b: b["dynamodb"]["NewImage"].update(type={"S": "ticket"}), False),
        (lambda b: b["dynamodb"]["NewImage"].update(event_type={"S": "ticket.merged"}), False),
        (lambda b: b["dynamodb"]["NewImage"].update(event_type={"S": "entry.added"}), True),
        (lambda b: b["dynamodb"]["NewImage"].update(event_type={"S": "ticket.updated"}), True),
        (lambda b: b["dynamodb"]["NewImage"].update(event_type={"S": "ticket.released"}), True),
    ],
    ids=[
        "outbox-insert",
        "modify",
        "remove",
        "ticket-item",
        "unmailed-event",
        "entry-added",
        "ticket-updated",
        "released",
    ],
)
def test_pipe_filter_passes_only_inserted_mailed_events(change: Any, delivered: bool) -> None:
    record = _stream_record(change)

    assert any(p.matches_event(record) for p in pipe_patterns()) is delivered


def test_pipe_reads_the_tickets_stream_from_latest_into_the_notifier_queue() -> None:
    pipe = _props("NotifierPipe")

    assert pipe["Source"] == {"Fn::GetAtt": ["TicketsTable", "StreamArn"]}
    assert pipe["Target"] == {"Fn::GetAtt": ["NotifierQueue", "Arn"]}
    assert pipe["SourceParameters"]["DynamoDBStreamParameters"]["StartingPosition"] == "LATEST"
    assert _props("TicketsTable")["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}


def test_queue_redrives_to_the_dlq_after_five_receives_with_a_long_enough_visibility() -> None:
    queue, dlq = _props("NotifierQueue"), _props("NotifierDLQ")
    function = _props("NotifierFunction")
    timeout = function.get("Timeout", load_template()["Globals"]["Function"]["Timeout"])

    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["NotifierDLQ", "Arn"]},
        "maxReceiveCount": 5,
    }
    assert queue["VisibilityTimeout"] >= 6 * timeout
    assert dlq["MessageRetentionPeriod"] > queue["MessageRetentionPeriod"]
    assert queue["SqsManagedSseEnabled"] and dlq["SqsManagedSseEnabled"]
    alarm = _props("NotifierDLQAlarm")
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["NotifierDLQ", "QueueName"]}


def test_function_reports_partial_batch_failures_from_the_notifier_queue() -> None:
    [event] = _props("NotifierFunction")["Events"].values()

    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["NotifierQueue", "Arn"]}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_idempotency_records_outlive_every_copy_of_a_message_in_the_queue() -> None:
    table = _props("IdempotencyTable")
    default = NotifierSettings(idempotency_table="i").notify_idempotency_seconds

    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert default > _props("NotifierQueue")["MessageRetentionPeriod"]
    assert _props("NotifierFunction")["Environment"]["Variables"]["IDEMPOTENCY_TABLE"] == {"Ref": "IdempotencyTable"}


def test_notifier_policies_name_no_wildcard_action_or_resource() -> None:
    statements = [s for p in _props("NotifierFunction")["Policies"] for s in p["Statement"]]
    statements += [s for p in _props("NotifierPipeRole")["Policies"] for s in p["PolicyDocument"]["Statement"]]

    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        assert all("*" not in a for a in actions)
        assert "*" not in resources
    ses = next(s for s in statements if s["Action"] == "ses:SendRawEmail")
    assert "identity/${Domain}" in ses["Resource"]["Fn::Sub"][0]


def test_pipe_lets_through_exactly_the_event_types_the_notifier_mails() -> None:
    from loket.channels.email import notify

    [pattern] = _props("NotifierPipe")["SourceParameters"]["FilterCriteria"]["Filters"]

    assert set(json.loads(pattern["Pattern"])["dynamodb"]["NewImage"]["event_type"]["S"]) == set(notify.MAILED_EVENTS)
