"""The directory's words: agents (who works tickets), groups (where tickets wait) and roles (what an agent may do).

An agent is keyed by the subject (`sub`) of their token. The role the gate enforces comes from the token's
Cognito group; the directory keeps the role it gave the agent (when it created them) for the admin pages. Group
names are slugs (`billing`, `technical`): tickets and rules refer to a group by its name, which never changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

ROLES = ("admin", "lead", "agent")  # strongest first: each has the rights of those below
RANK = {role: len(ROLES) - i for i, role in enumerate(ROLES)}  # agent 1, lead 2, admin 3

GROUP_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
DEFAULT_CAPACITY = 20  # open tickets an agent holds at most, unless set
MAX_CAPACITY = 1000


class Availability(StrEnum):
    AVAILABLE = "available"
    AWAY = "away"
    OFFLINE = "offline"


class AssignmentMode(StrEnum):
    ROUND_ROBIN = "round_robin"  # the next available agent below capacity, in turn
    LEAST_OPEN = "least_open"  # the available agent with the fewest tickets waiting on the team
    MANUAL = "manual"  # nobody is picked: a person assigns from the group's queue


@dataclass(frozen=True)
class Agent:
    agent_id: str  # the token's subject
    email: str
    name: str = ""
    role: str = "agent"
    groups: tuple[str, ...] = ()
    availability: Availability = Availability.OFFLINE
    capacity: int = DEFAULT_CAPACITY
    version: int | None = None  # None: not stored yet

    def can_take_work(self) -> bool:
        return self.availability is Availability.AVAILABLE and self.capacity > 0

    @property
    def label(self) -> str:
        return self.name or self.email


@dataclass(frozen=True)
class Group:
    name: str
    address: str = ""  # on the support domain; replies go out from it
    assignment_mode: AssignmentMode = AssignmentMode.MANUAL
    description: str = ""
    version: int | None = None


def problems_of_agent(agent: Agent) -> list[str]:
    """What is wrong with an agent's fields, one sentence each (empty: fine)."""
    found = []
    if not agent.agent_id.strip():
        found.append("agent_id: must not be empty")
    if "@" not in agent.email:
        found.append(f"email: {agent.email!r} is not an email address")
    if agent.role not in RANK:
        found.append(f"role: {agent.role!r} is not one of {', '.join(ROLES)}")
    if not 0 <= agent.capacity <= MAX_CAPACITY:
        found.append(f"capacity: {agent.capacity} is not between 0 and {MAX_CAPACITY}")
    for name in agent.groups:
        if not GROUP_NAME.match(name):
            found.append(f"groups: {name!r} is not a group name")
    return found


def problems_of_group(group: Group) -> list[str]:
    found = []
    if not GROUP_NAME.match(group.name):
        found.append(
            f"name: {group.name!r} must be 1-40 lowercase letters, digits or dashes, starting with a letter or digit"
        )
    if group.address and "@" not in group.address:
        found.append(f"address: {group.address!r} is not an email address")
    return found


@dataclass(frozen=True)
class Directory:
    """A snapshot of every agent and group (small: a helpdesk has tens or hundreds of agents)."""

    agents: tuple[Agent, ...] = ()
    groups: tuple[Group, ...] = ()
    _by_id: dict[str, Agent] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({a.agent_id: a for a in self.agents})

    def agent(self, agent_id: str) -> Agent | None:
        return self._by_id.get(agent_id)

    def members_of(self, group: str) -> list[Agent]:
        return [a for a in self.agents if group in a.groups]
