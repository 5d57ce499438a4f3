"""The local stack under concurrent use: functions do not wait for each other, moto's data stays consistent.

Lambda gives every function its own execution environments; the local stack runs each function in worker
processes of its own, so an agent's API call is served while a mail is still being processed. moto has no locks
of its own: the stack serializes its request handling, so conditional writes that race still exclude each other.
"""

from __future__ import annotations

import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from loket_local.stack import LocalStack
from tests.e2e.conftest import eventually, http
from tests.e2e.test_local_stack import agent, send_mail, support_address, tickets

pytestmark = pytest.mark.e2e


def records(stack: LocalStack, function: str) -> list:
    return [r for r in [*stack.runtime.history, *stack.runtime.running()] if r.function == function]


def test_agent_api_call_starts_and_finishes_while_an_inbound_invocation_is_still_running(
    local_stack: LocalStack,
) -> None:
    # given: the inbound function is running a mail and does not finish until the test lets it
    subject = f"Held inbound {uuid.uuid4().hex[:6]}"
    with local_stack.runtime.hold("InboundEmailFunction") as held:
        send_mail(local_stack, "tari@example.com", support_address(local_stack), subject, "Still arriving.")
        inbound = held.wait_started(timeout=60)

        # when: an agent lists tickets meanwhile
        done = threading.Event()
        replies = []

        def list_tickets() -> None:
            replies.append(http(local_stack, "GET", "/v1/tickets?limit=5", token=agent(local_stack)))
            done.set()

        threading.Thread(target=list_tickets, daemon=True).start()
        eventually(done.is_set, timeout=60)

        # then: the API invocation started after the inbound one and ended while the inbound one still runs
        api = [r for r in records(local_stack, "AgentApiFunction") if r.started >= inbound.started]
        assert replies[0].status == 200
        assert api and all(r.finished is not None for r in api)
        assert inbound.finished is None, "the inbound invocation ended before the API call: nothing was shown"
        assert inbound in local_stack.runtime.running()

    # and the held mail still becomes a ticket once the function goes on
    eventually(lambda: any(t["subject"] == subject for t in tickets(local_stack)))
    assert inbound.finished is not None and inbound.error is None


def test_concurrent_ticket_creations_get_distinct_gapless_numbers(local_stack: LocalStack) -> None:
    count = 12
    barrier = threading.Barrier(count)

    def create(i: int) -> int:
        barrier.wait(timeout=30)
        reply = http(
            local_stack,
            "POST",
            "/v1/tickets",
            {"subject": f"Race {i}", "body": "At once.", "requester": {"email": f"race{i}@example.com"}},
            token=agent(local_stack),
        )
        assert reply.status == 201, reply.body
        return int(reply.json()["number"].split("-")[1])

    # when: several agents create tickets at the same moment
    with ThreadPoolExecutor(count) as pool:
        numbers = sorted(pool.map(create, range(count)))

    # then: every creation got its own number, and none was skipped
    assert len(set(numbers)) == count
    assert numbers == list(range(numbers[0], numbers[0] + count))


def test_racing_conditional_writes_on_the_embedded_moto_exclude_each_other(local_stack: LocalStack) -> None:
    # given: a counter item, and clients that each increment it only if it still holds what they read
    table = local_stack.aws.tables()["TicketsTable"]
    key = {"PK": {"S": f"RACE#{uuid.uuid4().hex}"}, "SK": {"S": "COUNTER"}}
    ddb = local_stack.aws.client("dynamodb")
    ddb.put_item(TableName=table, Item={**key, "value": {"N": "0"}})
    won = []
    lock = threading.Lock()

    def bump(_: int) -> None:
        client = local_stack.aws.client("dynamodb")
        for _ in range(30):
            current = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["value"]["N"]
            try:  # the shape of the ticket counter: the move and the item it numbers, in one transaction
                client.transact_write_items(
                    TransactItems=[
                        {
                            "Update": {
                                "TableName": table,
                                "Key": key,
                                "UpdateExpression": "SET #v = :next",
                                "ConditionExpression": "#v = :current",
                                "ExpressionAttributeNames": {"#v": "value"},
                                "ExpressionAttributeValues": {
                                    ":next": {"N": str(int(current) + 1)},
                                    ":current": {"N": current},
                                },
                            }
                        },
                        {
                            "Put": {
                                "TableName": table,
                                "Item": {"PK": {"S": f"{key['PK']['S']}#{uuid.uuid4().hex}"}, "SK": {"S": "ITEM"}},
                            }
                        },
                    ]
                )
            except client.exceptions.TransactionCanceledException:
                continue
            with lock:
                won.append(int(current) + 1)

    # when: twelve of them race
    with ThreadPoolExecutor(12) as pool:
        list(pool.map(bump, range(12)))

    # then: each successful write moved the counter by one, so no two writers won the same value
    final = int(ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["value"]["N"])
    assert sorted(won) == list(range(1, final + 1))


def test_twenty_mails_at_once_each_become_a_ticket_and_an_acknowledgement(local_stack: LocalStack) -> None:
    # given: twenty customers who write at the same moment, each over a connection of their own
    run = uuid.uuid4().hex[:6]
    count = 20
    barrier = threading.Barrier(count)
    subjects = [f"Burst {run} {i}" for i in range(count)]

    def write(i: int) -> None:
        barrier.wait(timeout=30)
        send_mail(local_stack, f"burst{i}.{run}@example.org", support_address(local_stack), subjects[i], "At once.")

    # when: the mails arrive together
    with ThreadPoolExecutor(count) as pool:
        list(pool.map(write, range(count)))

    # then: every mail is a ticket and every customer is acknowledged; nothing waits in a dead-letter queue
    def acknowledged() -> set[str]:
        return {s for s in subjects for m in local_stack.outbox.mails() if s in m["subject"]}

    eventually(lambda: acknowledged() == set(subjects), timeout=120)
    listed = {t["subject"] for t in tickets(local_stack)}
    assert set(subjects) <= listed
    dead = http(local_stack, "GET", "/_local/dlq.json").json()
    assert all(queue["count"] == 0 for queue in dead.values()), dead


def test_a_client_that_stalls_half_way_through_a_request_body_holds_no_one_else_up(local_stack: LocalStack) -> None:
    # given: a client that announced a body it never finishes sending (a function's process ended mid-request)
    host, port = local_stack.aws.endpoint.removeprefix("http://").split(":")
    stalled = socket.create_connection((host, int(port)), timeout=30)
    try:
        stalled.sendall(
            b"POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: DynamoDB_20120810.PutItem\r\n"
            b'Content-Type: application/x-amz-json-1.0\r\nContent-Length: 1000\r\n\r\n{"TableName": '
        )

        # when: anyone else asks moto something
        quick = local_stack.aws.client("dynamodb", read_timeout=10)
        tables = quick.list_tables()["TableNames"]

        # then: the answer comes, without waiting for the stalled body
        assert local_stack.aws.tables()["TicketsTable"] in tables
    finally:
        stalled.close()
