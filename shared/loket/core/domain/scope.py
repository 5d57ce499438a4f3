"""Group scope: which tickets a caller may see and change.

- an `admin` every ticket;
- a `lead` or an `agent` the tickets of their groups (the directory's `Agent.groups`) and the tickets assigned to
  them; an agent the directory does not know has no groups: only the tickets assigned to them.

Leads and agents see the same tickets; what a lead may do more (change the availability and capacity of the
agents of their groups) is decided by the routes that do it. A ticket out of scope is answered exactly like a
ticket that does not exist (404), so nothing about it is revealed. Pure: the gate (`loket.core.auth`) builds a
`Scope` from the token's role and the directory, the routes and the ticket lists apply it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

EVERYTHING_ROLES = ("admin",)


@dataclass(frozen=True)
class Scope:
    agent_id: str
    groups: frozenset[str] = frozenset()
    everything: bool = False  # an admin

    def covers(self, group: str | None, assignee: str | None) -> bool:
        """Whether a ticket of `group`, assigned to `assignee`, is in this scope."""
        if self.everything:
            return True
        return (group is not None and group in self.groups) or (bool(assignee) and assignee == self.agent_id)

    def covers_group(self, group: str) -> bool:
        """Whether every ticket of `group` is in this scope (not only the ones assigned to the caller)."""
        return self.everything or group in self.groups


def scope_of(role: str, agent_id: str, groups: Iterable[str] = ()) -> Scope:
    """The scope of a caller with the token's `role`, its subject `agent_id` and the directory's `groups` of them."""
    if role in EVERYTHING_ROLES:
        return Scope(agent_id=agent_id, everything=True)
    return Scope(agent_id=agent_id, groups=frozenset(g for g in groups if g))
