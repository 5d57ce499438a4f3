"""The directory of agents, groups and roles that routing, SLA, reports, chat and the APIs all read.

Agents are keyed by their token's subject; the token's Cognito group decides the role the gate enforces
(`loket.core.auth`), the directory holds the rest: name, email, groups, availability and capacity. Groups have
a name (a slug tickets and rules refer to), an address on the support domain and an assignment mode.

Reads are GetItems and Queries on one small partition (`loket.core.data.directory`). Changes validate first and
raise `Unprocessable` with every problem, `StaleVersion` on a stale If-Match, `NotFound` for an unknown object.
A new agent, or a change of an agent's availability, capacity or groups, writes an `agent.changed` event
(`loket.core.events`) in the same transaction: the router drains waiting tickets when an agent can take more.

References: what points at a group or an agent (tickets, routing rules, agents' memberships) registers itself with
`register_references(kind, find, move)`. Removing a group or agent asks every registered `find` first: anything
found refuses the removal (`StillReferenced`, naming them) unless the caller says where to move them (`move_to`),
in which case every `move` runs before the object goes. The agents' own memberships are registered here; the
tickets' in `loket.core.ticket_references`; features register theirs when their package is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

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
from loket.core.domain.errors import (
    AlreadyExists,
    NotFound,
    ReferenceNotFound,
    StaleVersion,
    StillReferenced,
    Unprocessable,
)
from loket.core.domain.ticket import SYSTEM, Actor

__all__ = [
    "agent",
    "agents",
    "change_availability",
    "check_agent",
    "email_of",
    "group",
    "group_addresses",
    "group_by_address",
    "groups",
    "references_to",
    "register_references",
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


def group_addresses() -> dict[str, str]:
    """Every group's address (lower case) -> the group's name: the mailboxes besides the support address that take
    mail (inbound mail, the notifier's own addresses). One Query of the directory's partition."""
    return {g.address: g.name for g in repo.list_groups() if g.address}


def check_agent(new: Agent) -> None:
    """Unprocessable with every problem of an agent's fields (a group it names must exist), before anything is
    done for it (the admin API checks before it creates the agent's login)."""
    problems = problems_of_agent(new)
    known = {g.name for g in repo.list_groups()}
    problems += [f"groups: there is no group {name!r}" for name in new.groups if name not in known]
    if problems:
        raise Unprocessable("; ".join(problems))


def save_agent(new: Agent, expected: int | None = None, actor: Actor = SYSTEM) -> Agent:
    """Create an agent (expected None) or replace the version `expected` of one. Every group it names must exist.
    A new agent, or a change of availability, capacity or groups, writes `agent.changed` in the same transaction."""
    check_agent(new)
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
    if problems:
        raise Unprocessable("; ".join(problems))
    if new.address:
        taken = group_by_address(new.address)
        if taken is not None and taken.name != new.name:
            raise AlreadyExists(f"address: {new.address} already belongs to group {taken.name}")
    return repo.save_group(new, expected)


# --- references ----------------------------------------------------------------------------------

KINDS = ("group", "agent")
Find = Callable[[str], list[str]]  # the object's name -> what refers to it, one readable name each
Move = Callable[[str, str, Actor], None]  # (from, to, who): make everything `find` names refer to `to` instead


@dataclass(frozen=True)
class _References:
    label: str  # unique per kind: registering the same label again replaces it (a module imported twice)
    find: Find
    move: Move


_REGISTRY: dict[str, dict[str, _References]] = {kind: {} for kind in KINDS}


def register_references(kind: str, find: Find, move: Move, label: str | None = None) -> None:
    """Let something that refers to groups or agents (`kind`) be found and moved when one is removed."""
    if kind not in _REGISTRY:
        raise ValueError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")
    key = label or f"{find.__module__}.{find.__qualname__}"
    _REGISTRY[kind][key] = _References(key, find, move)


def references_to(kind: str, ref: str) -> list[str]:
    """Everything registered that still refers to the group or agent `ref`, by name."""
    return [name for entry in _REGISTRY[kind].values() for name in entry.find(ref)]


def _checked(kind: str, ref: str, version: int | None, expected: int) -> None:
    if version is None:
        raise NotFound(kind, ref)
    if version != expected:
        raise StaleVersion(kind, ref, expected, version)


def _release(kind: str, ref: str, move_to: str | None, actor: Actor) -> None:
    """Move every reference to `move_to`, or refuse (StillReferenced) when there are some and no target."""
    if move_to is None:
        found = references_to(kind, ref)
        if found:
            raise StillReferenced(kind, ref, found)
        return
    for entry in _REGISTRY[kind].values():
        if entry.find(ref):
            entry.move(ref, move_to, actor)


def remove_agent(agent_id: str, expected: int, move_to: str | None = None, actor: Actor | None = None) -> None:
    """Delete an agent; what still refers to them moves to the agent `move_to` (else StillReferenced)."""
    current = repo.get_agent(agent_id)
    _checked("agent", agent_id, current.version if current else None, expected)
    if move_to is not None and (move_to == agent_id or repo.get_agent(move_to) is None):
        raise ReferenceNotFound(f"move_to: {move_to!r} is not another agent of the directory")
    _release("agent", agent_id, move_to, actor or Actor(kind="system", id="directory"))
    repo.delete_agent(agent_id, expected)


def remove_group(name: str, expected: int, move_to: str | None = None, actor: Actor | None = None) -> None:
    """Delete a group; tickets, rules and members still in it move to the group `move_to` (else StillReferenced)."""
    current = repo.get_group(name)
    _checked("group", name, current.version if current else None, expected)
    if move_to is not None and (move_to == name or repo.get_group(move_to) is None):
        raise ReferenceNotFound(f"move_to: {move_to!r} is not another group of the directory")
    _release("group", name, move_to, actor or Actor(kind="system", id="directory"))
    repo.delete_group(name, expected)


def _members(group_name: str) -> list[str]:
    return [f"agent {a.email}" for a in agents() if group_name in a.groups]


def _move_members(group_name: str, to: str, actor: Actor) -> None:
    for member in repo.list_agents():
        if group_name in member.groups:
            moved = replace(member, groups=tuple(dict.fromkeys(to if g == group_name else g for g in member.groups)))
            repo.save_agent(moved, member.version, _changed(member, moved, actor))


register_references("group", _members, _move_members, label="directory.members")
