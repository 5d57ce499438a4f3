"""Tickets as references of the directory: a ticket's group and its assignee.

Registered with `loket.core.directory.register_references` when this module is imported (the admin API imports
it). Finding reads the QueueIndex per status (a group's tickets) or the AssigneeIndex (an agent's); closed tickets
are history and keep the name they had. Moving goes through `loket.core.tickets.update_ticket`, so each moved
ticket's audit trail records who moved it, and the bus hears of it (`ticket.updated`, `ticket.assigned`).
"""

from __future__ import annotations

from loket.core import directory
from loket.core import tickets as use_cases
from loket.core.data import tickets as repo
from loket.core.data.models import TicketItem
from loket.core.domain.errors import VersionConflict
from loket.core.domain.ticket import Actor, format_number

_ATTEMPTS = 5  # an agent changing the ticket at the same moment: read it again and move it anyway


def _names(found: list[TicketItem]) -> list[str]:
    return [f"ticket {format_number(int(t.number))}" for t in sorted(found, key=lambda t: int(t.number))]


def _move(ticket: TicketItem, field: str, to: str, actor: Actor) -> None:
    for attempt in range(_ATTEMPTS):
        try:
            use_cases.update_ticket(ticket.ticket_id, int(ticket.version), {field: to}, actor)
            return
        except VersionConflict:
            if attempt == _ATTEMPTS - 1:
                raise
            ticket = repo.get_ticket(ticket.ticket_id)


def group_tickets(group: str) -> list[str]:
    return _names(repo.tickets_of_group(group))


def move_group_tickets(group: str, to: str, actor: Actor) -> None:
    for ticket in repo.tickets_of_group(group):
        _move(ticket, "group", to, actor)


def assigned_tickets(agent_id: str) -> list[str]:
    return _names(repo.tickets_of_assignee(agent_id))


def move_assigned_tickets(agent_id: str, to: str, actor: Actor) -> None:
    for ticket in repo.tickets_of_assignee(agent_id):
        _move(ticket, "assignee", to, actor)


directory.register_references("group", group_tickets, move_group_tickets, label="tickets.group")
directory.register_references("agent", assigned_tickets, move_assigned_tickets, label="tickets.assignee")
