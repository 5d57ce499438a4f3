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
    body: Any = json.loads(load_event("notifier/legacy_stream_record_ticket_created.json")["Records"][0]["body"])
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
        (lambda b: b["dynamodb"]["NewImage"].update(event_type={"S": "ticket.merged"}), True),  # the rules choose
    ],
    ids=["outbox-insert", "modify", "remove", "ticket-item", "any-event-type"],
)
def test_pipe_filter_passes_only_inserted_outbox_events(change: Any, delivered: bool) -> None:
    record = _stream_record(change)

    assert any(p.matches(record) for p in pipe_patterns()) is delivered


def test_pipe_reads_the_tickets_stream_from_latest_onto_the_bus_with_the_event_as_detail() -> None:
    pipe = _props("TicketEventsPipe")

    assert pipe["Source"] == {"Fn::GetAtt": ["TicketsTable", "StreamArn"]}
    assert pipe["Target"] == {"Fn::GetAtt": ["TicketsBus", "Arn"]}
    assert pipe["SourceParameters"]["DynamoDBStreamParameters"]["StartingPosition"] == "LATEST"
    assert pipe["TargetParameters"]["InputTemplate"] == "<$.dynamodb.NewImage.payload.S>"
    assert pipe["TargetParameters"]["EventBridgeEventBusParameters"] == {
        "Source": "loket.tickets",
        "DetailType": "$.dynamodb.NewImage.event_type.S",
    }
    assert _props("TicketsTable")["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    role = _props("TicketEventsPipeRole")["Policies"][0]["PolicyDocument"]["Statement"]
    assert {"Effect": "Allow", "Action": "events:PutEvents", "Resource": {"Fn::GetAtt": ["TicketsBus", "Arn"]}} in role


def test_every_consumer_has_a_rule_a_queue_with_its_policy_a_dlq_and_an_alarm_with_an_action() -> None:
    rules = {n: r["Properties"] for n, r in RESOURCES.items() if r["Type"] == "AWS::Events::Rule"}
    assert rules
    for name, rule in rules.items():
        assert rule["EventBusName"] == {"Ref": "TicketsBus"}
        [target] = rule["Targets"]
        queue = target["Arn"]["Fn::GetAtt"][0]
        policy = next(r["Properties"] for r in RESOURCES.values()
                      if r["Type"] == "AWS::SQS::QueuePolicy" and r["Properties"]["Queues"] == [{"Ref": queue}])  # fmt: skip
        [statement] = policy["PolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [name, "Arn"]}}}
        dlq = _props(queue)["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        alarm = next(r["Properties"] for r in RESOURCES.values() if r["Type"] == "AWS::CloudWatch::Alarm"
                     and r["Properties"]["Dimensions"][0]["Value"] == {"Fn::GetAtt": [dlq, "QueueName"]})  # fmt: skip
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_every_alarm_notifies_the_topic_and_every_function_and_the_api_have_one() -> None:
    alarms = [r["Properties"] for r in RESOURCES.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    functions = [n for n, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function"]

    assert all(a["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms)
    watched = {(a["Namespace"], a["MetricName"], json.dumps(a["Dimensions"][0]["Value"])) for a in alarms}
    for function in functions:
        assert ("AWS/Lambda", "Errors", json.dumps({"Ref": function})) in watched
    assert ("AWS/ApiGateway", "5xx", json.dumps({"Ref": "HttpApi"})) in watched
    assert RESOURCES["AlarmEmailSubscription"]["Condition"] == "HasAlarmEmail"


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
    statements += [s for p in _props("TicketEventsPipeRole")["Policies"] for s in p["PolicyDocument"]["Statement"]]

    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        assert all("*" not in a for a in actions)
        assert "*" not in resources
    ses = next(s for s in statements if s["Action"] == "ses:SendRawEmail")
    assert "identity/${Domain}" in ses["Resource"]["Fn::Sub"][0]
