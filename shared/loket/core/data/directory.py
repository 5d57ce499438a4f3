"""Directory repository: agents and groups, in one partition of the table (GetItem and Query only).

Writes are optimistic like tickets: an update names the version it read (If-Match), a create fails when the
object exists. pynamodb's version attribute turns both into conditional writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from loket.core.data import keys
from loket.core.data.models import AgentItem, GroupItem, OutboxItem, _Base, transaction_connection
from loket.core.domain.clock import iso, now
from loket.core.domain.directory import Agent, AssignmentMode, Availability, Directory, Group
from loket.core.domain.errors import AlreadyExists, NotFound, StaleVersion

M = TypeVar("M", bound=_Base)


def _conditional_failed(exc: Exception) -> bool:
    return "ConditionalCheckFailed" in str(getattr(exc, "cause_response_code", "") or exc)


# --- mapping ----------------------------------------------------------------------------------------


def _agent(item: AgentItem) -> Agent:
    return Agent(
        agent_id=item.agent_id,
        email=item.email,
        name=item.name,
        role=item.role,
        groups=tuple(item.groups or ()),
        availability=Availability(item.availability),
        capacity=int(item.capacity),
        version=item.version,
    )


def _group(item: GroupItem) -> Group:
    return Group(
        name=item.name,
        address=item.address,
        assignment_mode=AssignmentMode(item.assignment_mode),
        description=item.description,
        version=item.version,
    )


def _agent_item(agent: Agent) -> AgentItem:
    item = AgentItem(keys.DIRECTORY_PK, keys.agent_sk(agent.agent_id))
    item.item_type = "agent"
    item.agent_id = agent.agent_id
    item.email = agent.email.lower()
    item.name = agent.name
    item.role = agent.role
    item.groups = sorted(set(agent.groups))
    item.availability = agent.availability.value
    item.capacity = agent.capacity
    return item


def _group_item(group: Group) -> GroupItem:
    item = GroupItem(keys.DIRECTORY_PK, keys.group_sk(group.name))
    item.item_type = "group"
    item.name = group.name
    item.address = group.address.lower()
    item.assignment_mode = group.assignment_mode.value
    item.description = group.description
    return item


# --- reads ------------------------------------------------------------------------------------------


def get_agent(agent_id: str) -> Agent | None:
    try:
        return _agent(AgentItem.get(keys.DIRECTORY_PK, keys.agent_sk(agent_id), consistent_read=True))
    except DoesNotExist:
        return None


def get_group(name: str) -> Group | None:
    try:
        return _group(GroupItem.get(keys.DIRECTORY_PK, keys.group_sk(name), consistent_read=True))
    except DoesNotExist:
        return None


def list_agents() -> list[Agent]:
    items = AgentItem.query(keys.DIRECTORY_PK, AgentItem.sk.startswith(keys.AGENT_PREFIX), consistent_read=True)
    return [_agent(i) for i in items]


def list_groups() -> list[Group]:
    items = GroupItem.query(keys.DIRECTORY_PK, GroupItem.sk.startswith(keys.GROUP_PREFIX), consistent_read=True)
    return [_group(i) for i in items]


def snapshot() -> Directory:
    """Every agent and group: two Queries on one partition."""
    return Directory(agents=tuple(list_agents()), groups=tuple(list_groups()))


# --- writes -----------------------------------------------------------------------------------------


def _save(
    item: M,
    kind: str,
    ref: str,
    expected: int | None,
    current: Callable[[], M | None],
    outbox: OutboxItem | None = None,
) -> M:
    """Create (expected None: fails if it exists) or replace the version `expected` (fails if it moved on);
    with `outbox`, the event is written in the same transaction."""
    existing = current()
    if expected is None and existing is not None:
        raise AlreadyExists(f"{kind} {ref} already exists; change it with its version in If-Match")
    if expected is not None:
        if existing is None:
            raise NotFound(kind, ref)
        if existing.version != expected:  # type: ignore[attr-defined]
            raise StaleVersion(kind, ref, expected, existing.version)  # type: ignore[attr-defined]
        item.version = existing.version  # type: ignore[attr-defined]
    item.updated_at = iso(now())  # type: ignore[attr-defined]
    try:
        if outbox is None:
            item.save()
        else:
            with TransactWrite(connection=transaction_connection()) as tx:
                tx.save(item)  # conditioned on its version (or on being new) like save()
                tx.save(outbox)
    except PutError as exc:
        if _conditional_failed(exc):
            raise StaleVersion(kind, ref, expected) from exc
        raise
    except TransactWriteError as exc:
        if any(r is not None and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons or []):
            raise StaleVersion(kind, ref, expected) from exc
        raise
    return item


def _current_agent(agent_id: str) -> Callable[[], AgentItem | None]:
    def read() -> AgentItem | None:
        try:
            return AgentItem.get(keys.DIRECTORY_PK, keys.agent_sk(agent_id), consistent_read=True)
        except DoesNotExist:
            return None

    return read


def _current_group(name: str) -> Callable[[], GroupItem | None]:
    def read() -> GroupItem | None:
        try:
            return GroupItem.get(keys.DIRECTORY_PK, keys.group_sk(name), consistent_read=True)
        except DoesNotExist:
            return None

    return read


def save_agent(agent: Agent, expected: int | None, outbox: OutboxItem | None = None) -> Agent:
    """Save an agent; `outbox` (its `agent.changed` event) goes in the same transaction."""
    item = _save(_agent_item(agent), "agent", agent.agent_id, expected, _current_agent(agent.agent_id), outbox)
    return _agent(item)


def save_group(group: Group, expected: int | None) -> Group:
    return _group(_save(_group_item(group), "group", group.name, expected, _current_group(group.name)))


def _delete(item: M | None, kind: str, ref: str, expected: int) -> None:
    if item is None:
        raise NotFound(kind, ref)
    if item.version != expected:  # type: ignore[attr-defined]
        raise StaleVersion(kind, ref, expected, item.version)  # type: ignore[attr-defined]
    try:
        item.delete()  # conditional on the version read
    except DeleteError as exc:
        if _conditional_failed(exc):
            raise StaleVersion(kind, ref, expected) from exc
        raise


def delete_agent(agent_id: str, expected: int) -> None:
    _delete(_current_agent(agent_id)(), "agent", agent_id, expected)


def delete_group(name: str, expected: int) -> None:
    _delete(_current_group(name)(), "group", name, expected)
