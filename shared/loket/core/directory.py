"""The directory of agents, groups and roles that routing, SLA, reports, chat and the APIs all read.

Agents are keyed by their token's subject; the token's Cognito group decides the role the gate enforces
(`loket.core.auth`), the directory holds the rest: name, email, groups, availability and capacity. Groups have
a name (a slug tickets and rules refer to), an address on the support domain and an assignment mode.

Reads are GetItems and Queries on one small partition (`loket.core.data.directory`). Changes validate first and
raise `Unprocessable` with every problem, `StaleVersion` on a stale If-Match, `NotFound` for an unknown object.
A new agent, or a change of an agent's availability, capacity or groups, writes an `agent.changed` event
(`loket.core.events`) in the same transaction: the router drains waiting tickets when an agent can take more.
"""

from __future__ import annotations

from dataclasses import replace

from loket.core import events
from loket.core.data import directory as repo
from loket.core.data.models import OutboxItem
from loket.core.data.tickets import outbox_item
from loket.core.domain.clock import iso, now
from loket.core.domain.directory import (
    Agent,
    Availability,
    Directory,
    Group,
    problems_of_agent,
    problems_of_group,
)
from loket.core.domain.errors import NotFound, Unprocessable
from loket.core.domain.ticket import SYSTEM, Actor

__all__ = [
    "agent",
    "agents",
    "change_availability",
    "email_of",
    "group",
    "group_by_address",
    "groups",
    "remove_agent",
    "remove_group",
    "save_agent",
    "save_group",
    "snapshot",
]


def agent(agent_id: str) -> Agent | None:
    return repo.get_agent(agent_id)


def agents() -> list[Agent]:
    """Every agent, sorted by email."""
    return sorted(repo.list_agents(), key=lambda a: a.email)


def group(name: str) -> Group | None:
    return repo.get_group(name)


def groups() -> list[Group]:
    """Every group, sorted by name."""
    return sorted(repo.list_groups(), key=lambda g: g.name)


def snapshot() -> Directory:
    return repo.snapshot()


def email_of(agent_id: str) -> str | None:
    """The address of an agent (for notices), or None for an agent the directory does not know."""
    found = repo.get_agent(agent_id)
    return found.email if found else None


def group_by_address(address: str) -> Group | None:
    """The group whose support address this is (case-insensitive), or None."""
    wanted = address.strip().lower()
    return next((g for g in repo.list_groups() if g.address and g.address == wanted), None)


def save_agent(new: Agent, expected: int | None = None, actor: Actor = SYSTEM) -> Agent:
    """Create an agent (expected None) or replace the version `expected` of one. Every group it names must exist."""
    problems = problems_of_agent(new)
    known = {g.name for g in repo.list_groups()}
    problems += [f"groups: there is no group {name!r}" for name in new.groups if name not in known]
    if problems:
        raise Unprocessable("; ".join(problems))
    current = repo.get_agent(new.agent_id) if expected is not None else None
    return repo.save_agent(new, expected, _changed(current, new, actor))


def change_availability(
    agent_id: str, availability: Availability, expected: int | None = None, actor: Actor = SYSTEM
) -> Agent:
    """Set an agent's availability (their own toggle, or a lead's); `expected` None takes the current version."""
    current = repo.get_agent(agent_id)
    if current is None:
        raise NotFound("agent", agent_id)
    version = current.version if expected is None else expected
    new = replace(current, availability=availability)
    return repo.save_agent(new, version, _changed(current, new, actor))


def _changed(old: Agent | None, new: Agent, actor: Actor) -> OutboxItem | None:
    """The outbox item of `agent.changed` when routing cares (a new agent; availability, capacity or groups)."""
    if old is not None and (old.availability, old.capacity, set(old.groups)) == (
        new.availability,
        new.capacity,
        set(new.groups),
    ):
        return None
    event = events.build(
        events.EventType.AGENT_CHANGED,
        actor=actor,
        at=iso(now()),
        agent_id=new.agent_id,
        old_availability=old.availability.value if old else None,
        availability=new.availability.value,
        old_capacity=old.capacity if old else None,
        capacity=new.capacity,
        old_groups=sorted(old.groups) if old else None,
        groups=sorted(set(new.groups)),
    )
    return outbox_item(event)


def save_group(new: Group, expected: int | None = None) -> Group:
    problems = problems_of_group(new)
    if new.address:
        taken = group_by_address(new.address)
        if taken is not None and taken.name != new.name:
            problems.append(f"address: {new.address} already belongs to group {taken.name}")
    if problems:
        raise Unprocessable("; ".join(problems))
    return repo.save_group(new, expected)


def remove_agent(agent_id: str, expected: int) -> None:
    repo.delete_agent(agent_id, expected)


def remove_group(name: str, expected: int) -> None:
    """Delete a group. The admin API checks first that no ticket, rule or agent still refers to it."""
    repo.delete_group(name, expected)
