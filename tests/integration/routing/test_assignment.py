"""Assignment through the router's handler on moto: round robin exactly once under repeats and races, capacity
and the group's queue, least open, manual; the load counters follow every change of a ticket."""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from typing import Any

from loket.core import directory
from loket.core import tickets as svc
from loket.core.domain.directory import AssignmentMode, Availability
from loket.core.domain.ticket import Actor, EntryKind, Priority
from tests.integration.routing.conftest import (
    CUSTOMER,
    LEAD,
    Router,
    cursor,
    load,
    make_agent,
    make_group,
    open_ticket,
    routing_audit,
    sqs_event,
    ticket,
)

AGENTS = ["agent-a", "agent-b", "agent-c"]


def _types(bodies: list[str]) -> Counter[str]:
    return Counter(json.loads(b)["detail-type"] for b in bodies)


def _by(agent_id: str) -> Actor:
    return Actor(kind="agent", id=agent_id, email=f"{agent_id}@loket.example")


def _set(ticket_id: str, changes: dict[str, Any], actor: Actor = LEAD) -> None:
    svc.update_ticket(ticket_id, int(ticket(ticket_id).version), changes, actor)


def test_round_robin_gives_300_tickets_100_to_each_of_3_agents_once_each_despite_repeats_and_races(
    router: Router, serial_moto: None
) -> None:
    make_group("billing", AssignmentMode.ROUND_ROBIN)
    for agent_id in AGENTS:
        make_agent(agent_id, ("billing",), capacity=150)
    assert router.deliver() == 3  # their agent.changed: nothing waits yet
    tickets = [open_ticket("billing", f"Tagihan {n}") for n in range(300)]
    created = router.messages()
    assert _types(created) == {"ticket.created": 300}

    # at-least-once: every fifth message comes twice; two consumers take batches of the queue at the same time
    shuffled = random.Random(10).sample(created, len(created))
    repeats = created[::5]
    consumers = [shuffled[:150] + repeats[:30], shuffled[150:] + repeats[30:]]
    failures: list[BaseException] = []

    def consume(bodies: list[str]) -> None:
        try:
            router.handle(bodies)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=consume, args=(bodies,)) for bodies in consumers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    follow_ups = router.messages()  # the assignments' own events come back to the router: nothing moves
    assert _types(follow_ups) == {"ticket.updated": 300, "ticket.assigned": 300}
    router.handle(follow_ups + created[:40])  # and a late replay of the first deliveries
    assert router.messages() == []

    assignees = {t.ticket_id: ticket(t.ticket_id).assignee for t in tickets}
    assert Counter(assignees.values()) == {"agent-a": 100, "agent-b": 100, "agent-c": 100}
    assert [load(a) for a in AGENTS] == [100, 100, 100]
    rotation = cursor("billing")
    assert rotation is not None
    assert (rotation.group, rotation.seq, rotation.last_agent) == ("billing", 300, "agent-c")
    turns = {}
    for t in tickets:
        [entry] = routing_audit(t.ticket_id)  # assigned once: one routing entry
        assert (entry.actor_kind, entry.actor_id, entry.old) == ("system", "router", None)
        assert entry.new == {"mode": "round_robin", "group": "billing", "agent": assignees[t.ticket_id],
                             "turn": entry.new["turn"]}  # fmt: skip
        turns[entry.new["turn"]] = entry.new["agent"]
        assert ticket(t.ticket_id).status == "open"
    # every turn of the rotation happened once, in order: nobody was skipped or picked twice
    assert sorted(turns) == list(range(1, 301))
    assert all(turns[n] == AGENTS[(n - 1) % 3] for n in turns)


def test_an_agent_at_capacity_is_passed_over_and_waiting_tickets_go_urgent_then_oldest_to_whoever_frees_up(
    router: Router,
) -> None:
    make_group("billing", AssignmentMode.ROUND_ROBIN)
    make_agent("agent-a", ("billing",), capacity=10)
    make_agent("agent-b", ("billing",), capacity=10)
    make_agent("agent-c", ("billing",), capacity=2)
    make_agent("agent-d", ("billing",), capacity=1, available=False)
    router.deliver()

    first = [open_ticket("billing") for _ in range(18)]
    router.deliver()
    assert Counter(ticket(t.ticket_id).assignee for t in first) == {"agent-a": 8, "agent-b": 8, "agent-c": 2}
    more = [open_ticket("billing") for _ in range(4)]
    router.deliver()
    assert [ticket(t.ticket_id).assignee for t in more] == ["agent-a", "agent-b", "agent-a", "agent-b"]

    # everyone available is at capacity: new tickets wait in the group's queue, unassigned
    oldest = open_ticket("billing", "Lama")
    middle = open_ticket("billing", "Tengah")
    urgent = open_ticket("billing", "Mendesak", Priority.URGENT)
    router.deliver()
    waiting = [oldest, middle, urgent]
    assert [(ticket(t.ticket_id).assignee, ticket(t.ticket_id).status) for t in waiting] == [(None, "new")] * 3

    # agent-b resolves a ticket: the most urgent waiting ticket goes to them, the others still wait
    resolved = next(t for t in first if ticket(t.ticket_id).assignee == "agent-b")
    _set(resolved.ticket_id, {"status": "resolved"}, _by("agent-b"))
    router.deliver()
    assert [ticket(t.ticket_id).assignee for t in waiting] == [None, None, "agent-b"]

    # agent-d becomes available: the oldest waiting ticket goes to them (their capacity is 1)
    directory.change_availability("agent-d", Availability.AVAILABLE, actor=_by("agent-d"))
    router.deliver()
    assert [ticket(t.ticket_id).assignee for t in waiting] == ["agent-d", None, "agent-b"]

    # agent-c puts a ticket on pending (it no longer waits on the team): the last one goes to them
    parked = next(t for t in first if ticket(t.ticket_id).assignee == "agent-c")
    _set(parked.ticket_id, {"status": "pending"}, _by("agent-c"))
    router.deliver()
    assert [ticket(t.ticket_id).assignee for t in waiting] == ["agent-d", "agent-c", "agent-b"]

    assert {a: load(a) for a in ("agent-a", "agent-b", "agent-c", "agent-d")} == {
        "agent-a": 10, "agent-b": 10, "agent-c": 2, "agent-d": 1,
    }  # fmt: skip
    assert [routing_audit(t.ticket_id)[0].new["agent"] for t in waiting] == ["agent-d", "agent-c", "agent-b"]
    rotation = cursor("billing")
    assert rotation is not None and rotation.seq == 25


def test_least_open_picks_the_lowest_load_counting_assignments_made_by_people_ties_in_a_stable_order(
    router: Router,
) -> None:
    make_group("billing", AssignmentMode.LEAST_OPEN)
    make_group("desk", AssignmentMode.MANUAL)
    for agent_id in AGENTS:
        make_agent(agent_id, ("billing", "desk"))
    router.deliver()
    by_hand = [open_ticket("desk") for _ in range(3)]
    router.deliver()
    assert [ticket(t.ticket_id).assignee for t in by_hand] == [None, None, None]  # manual: nobody is picked
    for t, agent_id in zip(by_hand, ["agent-a", "agent-a", "agent-b"], strict=True):
        _set(t.ticket_id, {"assignee": agent_id})
    router.deliver()
    assert [load(a) for a in AGENTS] == [2, 1, 0]

    picked = []
    for _ in range(6):
        new = open_ticket("billing")
        router.deliver()
        picked.append(ticket(new.ticket_id).assignee)

    assert picked == ["agent-c", "agent-b", "agent-c", "agent-a", "agent-b", "agent-c"]
    assert [load(a) for a in AGENTS] == [3, 3, 3]
    assert all(routing_audit(t.ticket_id) == [] for t in by_hand)
    assert cursor("desk") is None
    last = cursor("billing")
    assert last is not None and (last.seq, last.last_agent) == (6, "agent-c")


def test_a_manual_group_leaves_tickets_to_people_even_when_agents_become_available(router: Router) -> None:
    make_group("desk", AssignmentMode.MANUAL)
    make_agent("agent-a", ("desk",), available=False)
    waiting = open_ticket("desk")
    router.deliver()
    directory.change_availability("agent-a", Availability.AVAILABLE)
    router.deliver()

    assert ticket(waiting.ticket_id).assignee is None and ticket(waiting.ticket_id).status == "new"
    assert routing_audit(waiting.ticket_id) == [] and cursor("desk") is None and load("agent-a") == 0


def test_loads_follow_status_and_assignee_changes_whatever_the_order_and_repeats_of_their_events(
    router: Router,
) -> None:
    make_group("desk", AssignmentMode.MANUAL)
    make_agent("agent-a", ("desk",))
    make_agent("agent-b", ("desk",))
    t = open_ticket("desk")
    delivered: list[str] = []

    def step(change: Any, expected: tuple[int, int]) -> None:
        change()
        bodies = router.messages()
        delivered.extend(bodies)
        router.handle(list(reversed(bodies)) + bodies)  # out of order, and twice
        assert (load("agent-a"), load("agent-b")) == expected

    step(lambda: None, (0, 0))
    step(lambda: _set(t.ticket_id, {"assignee": "agent-a"}), (1, 0))  # new -> open, assigned
    step(lambda: _set(t.ticket_id, {"status": "pending"}), (0, 0))  # waits on the customer
    reply = svc.NewEntry(EntryKind.CUSTOMER_MESSAGE, CUSTOMER, "Masih error.")
    step(lambda: svc.add_entry(t.ticket_id, reply), (1, 0))  # the customer reopens it
    step(lambda: _set(t.ticket_id, {"assignee": "agent-b"}), (0, 1))
    step(lambda: _set(t.ticket_id, {"status": "on_hold"}), (0, 0))
    step(lambda: _set(t.ticket_id, {"status": "open"}), (0, 1))
    step(lambda: _set(t.ticket_id, {"status": "resolved"}), (0, 0))

    router.handle(random.Random(3).sample(delivered, len(delivered)))  # every event again, in any order
    assert (load("agent-a"), load("agent-b")) == (0, 0)


def test_a_message_the_router_cannot_read_fails_alone_and_the_rest_of_the_batch_is_handled(
    router: Router, lambda_context: Any
) -> None:
    from functions.router import app

    make_group("billing", AssignmentMode.ROUND_ROBIN)
    make_agent("agent-a", ("billing",))
    router.deliver()
    good = open_ticket("billing")
    [created] = router.messages()
    event = sqs_event(["not json", created, json.dumps({"detail-type": "ticket.created", "detail": {"type": "x"}})])

    response = app.lambda_handler(event, lambda_context)

    ids = [r["messageId"] for r in event["Records"]]
    assert response == {"batchItemFailures": [{"itemIdentifier": ids[0]}, {"itemIdentifier": ids[2]}]}
    assert ticket(good.ticket_id).assignee == "agent-a"
