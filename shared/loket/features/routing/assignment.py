"""Assignment: who in a ticket's group works it, exactly once under at-least-once delivery.

Words:
* a ticket *waits* in its group when it has no assignee and its status is `new` or `open`;
* an agent's *load* is the number of tickets waiting on the team that are assigned to them (status `new` or
  `open`; not `pending`, `on_hold`, `resolved`, `closed`). It is a counter item per agent (`AgentLoadItem`) that
  moves only together with a per-ticket *load marker* (`TicketLoadItem`: whom the ticket counts toward, as of
  which ticket version), in one transaction, so the counter always equals the markers pointing at the agent;
* an agent *can take* a ticket of a group when they are a member, `available`, and their load is below their
  capacity.

Modes (`Group.assignment_mode`): `round_robin` gives the ticket to the next agent after the one assigned last
(the group's rotation cursor, `RoutingCursorItem`) in a stable order (agent ids) who can take it; `least_open` to
the one with the lowest load (ties: the same stable order); `manual` to nobody (a person assigns from the queue).
When nobody can take a ticket it waits; `drain` gives a group's waiting tickets, most urgent then oldest first (the
queue order), to whoever can take them as soon as someone becomes available or drops below capacity.

Exactly once: an assignment is one transaction (through the core use case `assign_waiting`, which also writes
the audit entry `routing` and the `ticket.updated`/`ticket.assigned` events) of the ticket (conditioned on its
version, on having no assignee and on its group), the chosen agent's load (conditioned on the value read and on
being below capacity), the ticket's load marker (as read) and the group's cursor (its sequence as read). A
duplicate or replayed event finds the ticket assigned and does nothing; two routers racing for a group make one
of them fail a condition, re-read and pick the next agent, so nobody is skipped or picked twice.

Every other change of a ticket (status, assignee, group: any event about it) is *reconciled*: the ticket is read,
and when whom it should count toward differs from its marker, marker and counters move in one transaction
conditioned on the marker as read and on the ticket's version. That is idempotent whatever the event, its
repeats or their order: it acts on the ticket's current state, never on a delta carried by the event.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from loket.core import directory
from loket.core import tickets as svc
from loket.core.data import keys
from loket.core.data import tickets as repo
from loket.core.data.models import (
    AgentLoadItem,
    RoutingCursorItem,
    TicketItem,
    TicketLoadItem,
    transaction_connection,
)
from loket.core.domain.clock import iso, now
from loket.core.domain.directory import Agent, AssignmentMode, Availability, Group
from loket.core.domain.errors import TicketNotFound, VersionConflict
from loket.core.domain.ticket import Status

COUNTED = frozenset({Status.NEW.value, Status.OPEN.value})  # statuses that wait on the team
AUTOMATIC = frozenset({AssignmentMode.ROUND_ROBIN, AssignmentMode.LEAST_OPEN})
MAX_ATTEMPTS = 30  # a lost race re-reads; this many losses in a row is an error (the message is retried)
_BASE_BACKOFF_S, _MAX_BACKOFF_S = 0.005, 0.1


class Outcome(StrEnum):
    ASSIGNED = "assigned"
    WAITING = "waiting"  # nobody in the group can take it now: it waits in the group's queue
    NOT_WAITING = "not_waiting"  # assigned already, not new/open, in a manual group, or gone


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    ticket_id: str
    agent: str | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome.value, "ticket_id": self.ticket_id, "agent": self.agent, "reason": self.reason}


def waits(ticket: TicketItem) -> bool:
    return not ticket.assignee and ticket.status in COUNTED


def counts_toward(ticket: TicketItem) -> str | None:
    """The agent whose load this ticket is part of, or None."""
    return ticket.assignee if ticket.assignee and ticket.status in COUNTED else None


# --- choosing (no I/O) ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    agent_id: str
    load: int
    capacity: int


def candidates(group: str, agents: Iterable[Agent], loads: dict[str, int]) -> list[Candidate]:
    """The members of `group` who can take a ticket now, in the stable order (agent id)."""
    found = [
        Candidate(a.agent_id, loads.get(a.agent_id, 0), a.capacity)
        for a in agents
        if group in a.groups and a.availability is Availability.AVAILABLE
    ]
    return sorted((c for c in found if c.load < c.capacity), key=lambda c: c.agent_id)


def pick(mode: AssignmentMode, able: Sequence[Candidate], last_agent: str | None) -> Candidate | None:
    """Whom a group in `mode` gives its next ticket to, among `able` (in the stable order); None: nobody."""
    if not able or mode not in AUTOMATIC:
        return None
    if mode is AssignmentMode.LEAST_OPEN:
        return min(able, key=lambda c: (c.load, c.agent_id))
    after = [c for c in able if last_agent is None or c.agent_id > last_agent]
    return (after or list(able))[0]


# --- reads -----------------------------------------------------------------------------------------------------


def _get(model: Any, pk: str, sk: str) -> Any:
    try:
        return model.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        return None


def loads(agent_ids: Iterable[str]) -> dict[str, int]:
    """Each agent's load (0 for an agent with no counter yet): one consistent BatchGet."""
    wanted = [(keys.agent_load_pk(a), keys.LOAD_SK) for a in sorted(set(agent_ids))]
    if not wanted:
        return {}
    return {item.agent_id: int(item.open) for item in AgentLoadItem.batch_get(wanted, consistent_read=True)}


def load_of(agent_id: str) -> int:
    return loads([agent_id]).get(agent_id, 0)


def cursor_of(group: str) -> RoutingCursorItem | None:
    found: RoutingCursorItem | None = _get(RoutingCursorItem, keys.routing_cursor_pk(group), keys.CURSOR_SK)
    return found


def marker_of(ticket_id: str) -> TicketLoadItem | None:
    found: TicketLoadItem | None = _get(TicketLoadItem, keys.ticket_pk(ticket_id), keys.LOAD_SK)
    return found


def waiting_in(group: str) -> Iterator[TicketItem]:
    """The group's waiting tickets in queue order (most urgent, then oldest), read lazily page by page: a Query on
    the sparse unassigned index, keeping the `new` and `open` ones (it also holds unassigned pending and on hold)."""
    waiting = TicketItem.status.is_in(*sorted(COUNTED))
    return iter(TicketItem.unassigned_index.query(keys.unassigned_pk(group), filter_condition=waiting, page_size=50))


# --- writes ----------------------------------------------------------------------------------------------------


def _marker_moves(ticket: TicketItem, marker: TicketLoadItem | None, to: str | None, version: int) -> list[repo.Update]:
    """Point the ticket's marker at `to` as of `version`, conditioned on the marker as read, and move the counters
    (the one it leaves down, unconditionally: it counts that ticket). The counter `to` is the caller's."""
    item = TicketLoadItem(keys.ticket_pk(ticket.ticket_id), keys.LOAD_SK)
    condition: Condition
    if marker is None:
        condition = TicketLoadItem.pk.does_not_exist()
    else:
        condition = TicketLoadItem.ticket_version == int(marker.ticket_version)
        condition &= TicketLoadItem.agent == marker.agent if marker.agent else TicketLoadItem.agent.does_not_exist()
    actions = [
        TicketLoadItem.item_type.set("ticket-load"),
        TicketLoadItem.ticket_id.set(ticket.ticket_id),
        TicketLoadItem.ticket_version.set(version),
        TicketLoadItem.agent.set(to) if to else TicketLoadItem.agent.remove(),
    ]
    moves = [repo.Update(item, tuple(actions), condition)]
    left = marker.agent if marker else None
    if left and left != to:
        moves.append(_count(left, -1))
    return moves


def _count(agent_id: str, delta: int, condition: Condition | None = None) -> repo.Update:
    item = AgentLoadItem(keys.agent_load_pk(agent_id), keys.LOAD_SK)
    actions = (AgentLoadItem.item_type.set("load"), AgentLoadItem.agent_id.set(agent_id), AgentLoadItem.open.add(delta))
    return repo.Update(item, actions, condition)


def _backoff(attempt: int) -> None:
    """A pause after a lost race, drawn at random and growing, so racing routers spread out."""
    time.sleep(random.uniform(0, min(_MAX_BACKOFF_S, _BASE_BACKOFF_S * 2**attempt)))


def assign(ticket_id: str) -> Result:
    """Give a waiting ticket to the agent its group's mode picks, in one transaction (see the module)."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            ticket = repo.get_ticket(ticket_id)
        except TicketNotFound:
            return Result(Outcome.NOT_WAITING, ticket_id, reason="no such ticket")
        if not waits(ticket):
            return Result(Outcome.NOT_WAITING, ticket_id, ticket.assignee, f"{ticket.status}, assigned or not")
        group = directory.group(ticket.group)
        if group is None or group.assignment_mode not in AUTOMATIC:
            mode = group.assignment_mode.value if group else "no such group"
            return Result(Outcome.NOT_WAITING, ticket_id, reason=f"group {ticket.group}: {mode}")
        members = [a for a in directory.agents() if group.name in a.groups]
        current = loads(a.agent_id for a in members)
        cursor = cursor_of(group.name)
        last = cursor.last_agent if cursor else None
        chosen = pick(group.assignment_mode, candidates(group.name, members, current), last)
        if chosen is None:
            return Result(Outcome.WAITING, ticket_id, reason=f"nobody in {group.name} can take it")
        try:
            _commit(ticket, group, chosen, cursor, current)
        except (VersionConflict, repo.WriteConflict):
            _backoff(attempt)  # the ticket, a load, a marker or the cursor moved: read again
            continue
        return Result(Outcome.ASSIGNED, ticket_id, chosen.agent_id, group.assignment_mode.value)
    raise RuntimeError(f"could not assign ticket {ticket_id} after {MAX_ATTEMPTS} attempts")


def _commit(
    ticket: TicketItem, group: Group, chosen: Candidate, cursor: RoutingCursorItem | None, current: dict[str, int]
) -> None:
    marker = marker_of(ticket.ticket_id)
    version = int(ticket.version) + 1  # the ticket's version once assigned
    updates = _marker_moves(ticket, marker, chosen.agent_id, version)
    if not (marker and marker.agent == chosen.agent_id):  # (a stale marker may count it toward them already)
        read = AgentLoadItem.open == current[chosen.agent_id] if chosen.agent_id in current else None
        below = AgentLoadItem.open < chosen.capacity
        updates.append(
            _count(chosen.agent_id, +1, (read & below) if read is not None else AgentLoadItem.pk.does_not_exist())
        )
    cursor_item = RoutingCursorItem(keys.routing_cursor_pk(group.name), keys.CURSOR_SK)
    moved = (
        RoutingCursorItem.item_type.set("cursor"),
        RoutingCursorItem.group.set(group.name),
        RoutingCursorItem.last_agent.set(chosen.agent_id),
        RoutingCursorItem.seq.add(1),
        RoutingCursorItem.updated_at.set(iso(now())),
    )
    at = RoutingCursorItem.seq == int(cursor.seq) if cursor else RoutingCursorItem.pk.does_not_exist()
    updates.append(repo.Update(cursor_item, moved, at))
    turn = int(cursor.seq) + 1 if cursor else 1  # the group's how-manieth assignment this is
    reason = {"mode": group.assignment_mode.value, "group": group.name, "agent": chosen.agent_id, "turn": turn}
    svc.assign_waiting(ticket, chosen.agent_id, reason, updates)


def reconcile(ticket_id: str) -> str | None:
    """Make the ticket's marker and the counters agree with the ticket as it is now. Returns the agent whose load
    went down (they may take a waiting ticket now), else None."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            ticket = repo.get_ticket(ticket_id)
        except TicketNotFound:
            return None
        marker = marker_of(ticket_id)
        want, have = counts_toward(ticket), (marker.agent if marker else None)
        if want == have:
            return None
        updates = _marker_moves(ticket, marker, want, int(ticket.version))
        if want:
            updates.append(_count(want, +1))  # a person's assignment counts even beyond capacity
        try:
            with TransactWrite(connection=transaction_connection()) as tx:
                tx.condition_check(
                    TicketItem, ticket.pk, ticket.sk, condition=TicketItem.version == int(ticket.version)
                )
                for update in updates:
                    tx.update(update.item, actions=list(update.actions), condition=update.condition)
        except TransactWriteError:
            _backoff(attempt)  # the ticket or its marker moved on: read again
            continue
        return have
    raise RuntimeError(f"could not reconcile the load of ticket {ticket_id} after {MAX_ATTEMPTS} attempts")


def drain(group_name: str) -> list[Result]:
    """Give the group's waiting tickets, in queue order, to whoever can take them; stop when nobody can."""
    group = directory.group(group_name)
    if group is None or group.assignment_mode not in AUTOMATIC:
        return []
    results = []
    for ticket in waiting_in(group_name):
        result = assign(ticket.ticket_id)
        results.append(result)
        if result.outcome is Outcome.WAITING:
            break
    return results


# --- events ----------------------------------------------------------------------------------------------------

# what the router consumes (its rule's pattern in template.yaml): every event that may change whom a ticket
# counts toward (status, assignee, group: a customer message reopens, a merge closes) or that lets a ticket or an
# agent in; not note.added, which changes nothing of that
CONSUMED = frozenset(
    {
        "ticket.created",
        "ticket.updated",
        "ticket.assigned",
        "ticket.released",
        "ticket.merged",
        "message.added",
        "agent.changed",
    }
)


def on_event(event: Any) -> dict[str, Any]:
    """What the router does with one bus event (`loket.core.events`): a ticket event reconciles the ticket's load,
    drains the groups of an agent whose load went down, then assigns the ticket if it waits; `agent.changed` drains
    the agent's groups when they are available."""
    if event.type == "agent.changed":
        if event.availability != Availability.AVAILABLE.value:
            return {"agent": event.agent_id, "drained": []}
        drained = [r.as_dict() for g in event.groups for r in drain(g)]
        return {"agent": event.agent_id, "drained": drained}
    freed = reconcile(event.ticket_id)
    drained = []
    if freed is not None:
        agent = directory.agent(freed)
        drained = [r.as_dict() for g in (agent.groups if agent else ()) for r in drain(g)]
    result = assign(event.ticket_id)
    return {"ticket_id": event.ticket_id, "freed": freed, "drained": drained, "assignment": result.as_dict()}
