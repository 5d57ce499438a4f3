"""The event contract: every ticket change (and every change of an agent's availability, capacity or groups) is
one typed event, built here and nowhere else.

A use case builds its events with `build(...)` and hands the outbox items to the repository, which writes
them in the same DynamoDB transaction as the change (`type` = `event`, `event_type` = the type, `payload` =
the event below as JSON). The table stream carries each INSERT through the EventBridge Pipe to the
`loket-<Stage>-tickets` bus: `source` is `loket.tickets`, `detail-type` the event type, and `detail` the event
itself (the Pipe's InputTemplate is the item's `payload`). Consumers subscribe with a rule per consumer.

Every event has `schema_version`, `event_id` (stable: consumers de-duplicate on it), `type`, `actor` (kind, id,
email) and `at` (ISO 8601, UTC). Ticket events (every type but `agent.changed`) also have `ticket_id`,
`ticket_number` and `ticket_version` (the ticket's version after the change). `agent.changed` is about an agent of
the directory (`agent_id`, availability, capacity and groups before and after). The fields of each type are its
model below. A change that breaks a consumer (a field
removed, renamed or retyped) is a new `schema_version` of that type; adding an optional field is not.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

SOURCE = "loket.tickets"  # the `source` of every event on the bus


class EventType(StrEnum):
    TICKET_CREATED = "ticket.created"
    TICKET_UPDATED = "ticket.updated"
    TICKET_ASSIGNED = "ticket.assigned"
    TICKET_RELEASED = "ticket.released"
    TICKET_MERGED = "ticket.merged"
    MESSAGE_ADDED = "message.added"
    NOTE_ADDED = "note.added"
    AGENT_CHANGED = "agent.changed"
    SLA_WARNED = "sla.warned"
    SLA_BREACHED = "sla.breached"
    SLA_FULFILLED = "sla.fulfilled"
    TICKET_REMINDED = "ticket.reminded"


class EventActor(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["agent", "customer", "system"]
    id: str = Field(min_length=1, max_length=320)
    email: str | None = Field(default=None, max_length=320)


class _Event(BaseModel):
    """What every event has."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = 1
    event_id: str = Field(min_length=1, max_length=128)
    actor: EventActor
    at: str = Field(min_length=20, max_length=40)


class _TicketEvent(_Event):
    """What every event about a ticket has besides."""

    ticket_id: str = Field(min_length=1, max_length=64)
    ticket_number: int = Field(ge=1)
    ticket_version: int = Field(ge=1)


class TicketCreated(_TicketEvent):
    type: Literal[EventType.TICKET_CREATED] = EventType.TICKET_CREATED
    channel: str = Field(min_length=1, max_length=32)
    automatic: bool  # sent by a machine (auto-reply, bounce): nothing answers it
    entry_id: str  # the first message
    status: str  # the status it starts in (`new`, `open`, or `quarantined` for held mail)
    follow_up_of: str | None = None  # the closed ticket a customer wrote to again


class FieldChange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    old: Any = None
    new: Any = None


class TicketUpdated(_TicketEvent):
    type: Literal[EventType.TICKET_UPDATED] = EventType.TICKET_UPDATED
    changes: dict[str, FieldChange] = Field(min_length=1)  # field -> its old and new value


class TicketAssigned(_TicketEvent):
    type: Literal[EventType.TICKET_ASSIGNED] = EventType.TICKET_ASSIGNED
    old_assignee: str | None = None
    assignee: str | None  # None: unassigned


class TicketReleased(_TicketEvent):
    type: Literal[EventType.TICKET_RELEASED] = EventType.TICKET_RELEASED


class TicketMerged(_TicketEvent):
    """On the merged (source) ticket, which is now closed and points at `into_ticket_id`."""

    type: Literal[EventType.TICKET_MERGED] = EventType.TICKET_MERGED
    into_ticket_id: str
    into_ticket_number: int = Field(ge=1)


class MessageAdded(_TicketEvent):
    """A message the customer sees: theirs (`customer_message`) or an agent's public reply (`public_reply`)."""

    type: Literal[EventType.MESSAGE_ADDED] = EventType.MESSAGE_ADDED
    entry_id: str
    kind: Literal["customer_message", "public_reply"]
    automatic: bool = False


class NoteAdded(_TicketEvent):
    """An entry customers never see: an agent's internal note or a system note."""

    type: Literal[EventType.NOTE_ADDED] = EventType.NOTE_ADDED
    entry_id: str
    kind: Literal["internal_note", "system"]


class _SlaEvent(_TicketEvent):
    """An SLA clock of the ticket warned, breached or was fulfilled (the SLA feature, actor system `sla`). `at` is the
    instant it happened (a warning at the instant `warn_at` of the target was used); `ticket_version` the ticket's
    version when it was recorded. `group`, `assignee` and `priority` are the ticket's then (who to tell)."""

    metric: Literal["first_response", "next_response", "resolution"]
    cycle: int = Field(ge=0)  # next_response has a cycle per answered customer message
    policy: str = Field(max_length=100)
    target_minutes: int = Field(ge=1)
    due_at: str | None = None  # when the clock breaches (or did)
    group: str | None = None
    assignee: str | None = None
    priority: str


class SlaWarned(_SlaEvent):
    type: Literal[EventType.SLA_WARNED] = EventType.SLA_WARNED


class SlaBreached(_SlaEvent):
    type: Literal[EventType.SLA_BREACHED] = EventType.SLA_BREACHED


class SlaFulfilled(_SlaEvent):
    type: Literal[EventType.SLA_FULFILLED] = EventType.SLA_FULFILLED


class TicketReminded(_TicketEvent):
    """The ticket has waited on the customer (`pending`) since `pending_since`: the SLA feature's automation (actor
    system `automation`) reminds the customer; without a reply the ticket resolves at `resolves_at`."""

    type: Literal[EventType.TICKET_REMINDED] = EventType.TICKET_REMINDED
    pending_since: str = Field(min_length=20, max_length=40)
    resolves_at: str = Field(min_length=20, max_length=40)


Availability = Literal["available", "away", "offline"]  # loket.core.domain.directory.Availability


class AgentChanged(_Event):
    """An agent was created or changed availability, capacity or groups (`old_*` None: the agent is new).

    Written in the same transaction as the agent's item (`loket.core.directory`); the router drains the agent's
    groups' waiting tickets when the agent can take more work."""

    type: Literal[EventType.AGENT_CHANGED] = EventType.AGENT_CHANGED
    agent_id: str = Field(min_length=1, max_length=128)
    old_availability: Availability | None = None
    availability: Availability
    old_capacity: int | None = Field(default=None, ge=0)
    capacity: int = Field(ge=0)
    old_groups: list[str] | None = None
    groups: list[str]


TicketEvent = Annotated[
    TicketCreated
    | TicketUpdated
    | TicketAssigned
    | TicketReleased
    | TicketMerged
    | MessageAdded
    | NoteAdded
    | SlaWarned
    | SlaBreached
    | SlaFulfilled,
    Field(discriminator="type"),
]
AnyEvent = Annotated[
    TicketCreated
    | TicketUpdated
    | TicketAssigned
    | TicketReleased
    | TicketMerged
    | MessageAdded
    | NoteAdded
    | SlaWarned
    | SlaBreached
    | SlaFulfilled
    | TicketReminded
    | AgentChanged,
    Field(discriminator="type"),
]
MODELS: dict[EventType, type[_Event]] = {
    EventType.TICKET_CREATED: TicketCreated,
    EventType.TICKET_UPDATED: TicketUpdated,
    EventType.TICKET_ASSIGNED: TicketAssigned,
    EventType.TICKET_RELEASED: TicketReleased,
    EventType.TICKET_MERGED: TicketMerged,
    EventType.MESSAGE_ADDED: MessageAdded,
    EventType.NOTE_ADDED: NoteAdded,
    EventType.AGENT_CHANGED: AgentChanged,
    EventType.SLA_WARNED: SlaWarned,
    EventType.SLA_BREACHED: SlaBreached,
    EventType.SLA_FULFILLED: SlaFulfilled,
    EventType.TICKET_REMINDED: TicketReminded,
}
TICKET_EVENTS = frozenset(t for t, model in MODELS.items() if issubclass(model, _TicketEvent))
_ADAPTER: TypeAdapter[Any] = TypeAdapter(AnyEvent)


def parse(data: Any) -> Any:
    """A typed event from its JSON-ready form (a dict, or the JSON text); pydantic's ValidationError if invalid."""
    if isinstance(data, str | bytes):
        return _ADAPTER.validate_json(data)
    return _ADAPTER.validate_python(data)


def build(event_type: EventType, *, actor: Any, at: str, **fields: Any) -> Any:
    """The one place an event is made: a fresh id, the common fields, and the type's own `fields` (for a ticket
    event `ticket_id`, `ticket_number` and `ticket_version` among them), validated."""
    kind: Any = actor.kind if actor.kind in ("agent", "customer", "system") else "system"
    return MODELS[event_type](
        event_id=uuid.uuid4().hex,
        actor=EventActor(kind=kind, id=actor.id, email=actor.email or None),
        at=at,
        **fields,
    )
