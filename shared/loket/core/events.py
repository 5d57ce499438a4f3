"""The event contract: every ticket change is one typed event, built here and nowhere else.

A use case builds its events with `build(...)` and hands the outbox items to the repository, which writes
them in the same DynamoDB transaction as the change (`type` = `event`, `event_type` = the type, `payload` =
the event below as JSON). The table stream carries each INSERT through the EventBridge Pipe to the
`loket-<Stage>-tickets` bus: `source` is `loket.tickets`, `detail-type` the event type, and `detail` the event
itself (the Pipe's InputTemplate is the item's `payload`). Consumers subscribe with a rule per consumer.

Every event has `schema_version`, `event_id` (stable: consumers de-duplicate on it), `type`, `ticket_id`,
`ticket_number`, `actor` (kind, id, email), `ticket_version` (the ticket's version after the change) and `at`
(ISO 8601, UTC). The fields of each type are its model below. A change that breaks a consumer (a field
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


class EventActor(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["agent", "customer", "system"]
    id: str = Field(min_length=1, max_length=320)
    email: str | None = Field(default=None, max_length=320)


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = 1
    event_id: str = Field(min_length=1, max_length=128)
    ticket_id: str = Field(min_length=1, max_length=64)
    ticket_number: int = Field(ge=1)
    actor: EventActor
    ticket_version: int = Field(ge=1)
    at: str = Field(min_length=20, max_length=40)


class TicketCreated(_Event):
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


class TicketUpdated(_Event):
    type: Literal[EventType.TICKET_UPDATED] = EventType.TICKET_UPDATED
    changes: dict[str, FieldChange] = Field(min_length=1)  # field -> its old and new value


class TicketAssigned(_Event):
    type: Literal[EventType.TICKET_ASSIGNED] = EventType.TICKET_ASSIGNED
    old_assignee: str | None = None
    assignee: str | None  # None: unassigned


class TicketReleased(_Event):
    type: Literal[EventType.TICKET_RELEASED] = EventType.TICKET_RELEASED


class TicketMerged(_Event):
    """On the merged (source) ticket, which is now closed and points at `into_ticket_id`."""

    type: Literal[EventType.TICKET_MERGED] = EventType.TICKET_MERGED
    into_ticket_id: str
    into_ticket_number: int = Field(ge=1)


class MessageAdded(_Event):
    """A message the customer sees: theirs (`customer_message`) or an agent's public reply (`public_reply`)."""

    type: Literal[EventType.MESSAGE_ADDED] = EventType.MESSAGE_ADDED
    entry_id: str
    kind: Literal["customer_message", "public_reply"]
    automatic: bool = False


class NoteAdded(_Event):
    """An entry customers never see: an agent's internal note or a system note."""

    type: Literal[EventType.NOTE_ADDED] = EventType.NOTE_ADDED
    entry_id: str
    kind: Literal["internal_note", "system"]


TicketEvent = Annotated[
    TicketCreated | TicketUpdated | TicketAssigned | TicketReleased | TicketMerged | MessageAdded | NoteAdded,
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
}
_ADAPTER: TypeAdapter[Any] = TypeAdapter(TicketEvent)


def parse(data: Any) -> Any:
    """A typed event from its JSON-ready form (a dict, or the JSON text); pydantic's ValidationError if invalid."""
    if isinstance(data, str | bytes):
        return _ADAPTER.validate_json(data)
    return _ADAPTER.validate_python(data)


def build(
    event_type: EventType,
    *,
    ticket_id: str,
    ticket_number: int,
    ticket_version: int,
    actor: Any,
    at: str,
    **fields: Any,
) -> Any:
    """The one place an event is made: a fresh id, the common fields, and the type's own `fields`, validated."""
    kind: Any = actor.kind if actor.kind in ("agent", "customer", "system") else "system"
    return MODELS[event_type](
        event_id=uuid.uuid4().hex,
        ticket_id=ticket_id,
        ticket_number=ticket_number,
        ticket_version=ticket_version,
        actor=EventActor(kind=kind, id=actor.id, email=actor.email or None),
        at=at,
        **fields,
    )
