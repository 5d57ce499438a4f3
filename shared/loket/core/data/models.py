"""pynamodb models of the one Loket table. The data layer (`loket.core.data`: these models, `keys`, the
repository `tickets`, `limits`) is the only code that knows keys and indexes.

Access patterns and the keys that serve them (every one a GetItem or a Query; no Scan):

| access pattern                               | item / index     | key                                                    |
|----------------------------------------------|------------------|--------------------------------------------------------|
| ticket by id                                 | table            | PK `TICKET#<id>`, SK `TICKET`                          |
| ticket by number (`LKT-1042`)                | table (lookup)   | PK `NUMBER#1042`, SK `LOOKUP` -> ticket id             |
| idempotent create (client key)               | table (lookup)   | PK `CLIENTKEY#<key>`, SK `LOOKUP` -> ticket id         |
| email threading: Message-ID -> ticket        | table (lookup)   | PK `MSGID#<message-id>`, SK `LOOKUP` -> ticket id      |
| conversation in order                        | table            | PK `TICKET#<id>`, SK begins_with `ENTRY#` (time-ordered) |
| audit trail in order                         | table            | PK `TICKET#<id>`, SK begins_with `AUDIT#`              |
| queue view: group + status, priority then age | GSI `QueueIndex` | `GSI1PK` `QUEUE#<group>#<status>`, `GSI1SK` `<rank>#<created>#<id>` |
| all tickets in a status, priority then age   | GSI `StatusIndex` | `GSI2PK` `STATUS#<status>`, `GSI2SK` as above         |
| tickets of an assignee (sparse)              | GSI `AssigneeIndex` | `GSI3PK` `AGENT#<id>`, `GSI3SK` `<status>#<rank>#<created>#<id>` |
| unassigned waiting tickets of a group (sparse: only while nobody is assigned and the status is new, open, pending or on hold), priority then age | GSI `UnassignedIndex` | `GSI5PK` `UNASSIGNED#<group>`, `GSI5SK` `<rank>#<created>#<id>` |
| tickets of a requester, newest first         | GSI `RequesterIndex` | `GSI4PK` `REQ#<email>`, `GSI4SK` `<created>#<id>`   |
| tickets with a tag, newest first             | table (tag items) | PK `TAG#<tag>`, SK `<created>#<id>` -> BatchGet tickets |
| tickets with a word in the subject, newest first | table (word items) | PK `WORD#<word>`, SK `<created>#<id>` -> BatchGet tickets; written with the ticket (see `loket.core.domain.words`) |
| SLA clocks and time-based automations due before a time (sparse: only while a clock runs or an automation waits) | GSI `SlaDueIndex` | `SLAPK` `SLA#<shard>` (0-7, from the ticket id), `SLASK` `<next check, ISO UTC>#<id>`, on the ticket's SLA item (below) |
| a ticket's SLA timeline, clocks and recorded SLA events | table (sla) | PK `TICKET#<id>`, SK `SLA` (versioned) |
| SLA policy by id; every policy (by `position`) | table (sla)     | PK `SLA`, SK `POLICY#<id>`; Query begins_with `POLICY#` |
| business calendar by name; every calendar    | table (sla)      | PK `SLA`, SK `CALENDAR#<name>`; Query begins_with `CALENDAR#` |
| events to deliver (outbox, read by the table stream -> pipes -> SQS) | table | PK `TICKET#<id>`, SK `EVENT#<at>#<event-id>`, TTL `expires_at` |
| rate limits (fixed windows)                  | table            | PK `RATE#<scope>#<key>`, SK `<window start>`, TTL `expires_at` |
| ticket numbers                               | table (counter)  | PK `COUNTER#ticket-number`, SK `COUNTER`, gapless (see repository) |
| agent by id (token subject); every agent     | table (directory) | PK `DIRECTORY`, SK `AGENT#<id>`; Query begins_with `AGENT#` |
| group by name; every group                   | table (directory) | PK `DIRECTORY`, SK `GROUP#<name>`; Query begins_with `GROUP#` |
| directory events to deliver (`agent.changed`) | table (outbox)  | PK `DIRECTORY`, SK `EVENT#<at>#<event-id>`, TTL `expires_at` |
| an agent's load (tickets new/open on them)   | table (routing)  | PK `LOAD#<agent id>`, SK `LOAD`; BatchGet for a group's members |
| a group's rotation cursor                    | table (routing)  | PK `ROUTING#<group>`, SK `CURSOR`                      |
| whom a ticket counts toward (load marker)    | table (routing)  | PK `TICKET#<id>`, SK `LOAD`                            |
| routing rule by id; every rule (by `position`) | table (routing) | PK `ROUTING`, SK `RULE#<id>`; Query begins_with `RULE#` |
| routing settings (first/all, default group)  | table (routing)  | PK `ROUTING`, SK `SETTINGS`                             |
| macro by id; every macro                     | table (macros)   | PK `MACROS`, SK `MACRO#<id>`; Query begins_with `MACRO#` |
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from loket.core.data.settings import DataSettings
from loket.platform import aws, config


class _TableMeta:
    """Shared by every model: one table. `configure` sets the name and the connection options."""

    table_name = "loket-tickets"
    region: str | None = None


def configure(table_name: str, region: str | None = None) -> None:
    """Point every model at the table (called once per process with the function's settings)."""
    _TableMeta.table_name = table_name
    _TableMeta.region = region
    _forget_connections()


def _forget_connections() -> None:
    aws.forget(aws.DYNAMODB)
    for model in _Base.__subclasses__():
        model._connection = None  # pynamodb caches its connection per class


_bound = False


def bind_data() -> DataSettings:
    """Point the models at the configured table: once per process, again after loket.platform.aws.reset."""
    global _bound
    settings = config.load(DataSettings)
    if not _bound:
        configure(settings.table_name, aws.dynamodb_options()["region"])
        _bound = True
    return settings


def _unbind() -> None:
    global _bound
    _bound = False
    _forget_connections()


aws.on_reset(_unbind)


def transaction_connection() -> Connection:
    """The connection transactions go through (loket.platform.aws owns it)."""
    connection: Connection = aws.dynamodb()
    return connection


class _Base(Model):
    class Meta(_TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    item_type = UnicodeAttribute(attr_name="type")


def _index_meta(name: str, projection: Any) -> type:
    class Meta:
        index_name = name
        read_capacity_units = 0
        write_capacity_units = 0

    Meta.projection = projection  # type: ignore[attr-defined]
    return Meta


class QueueIndex(GlobalSecondaryIndex["TicketItem"]):
    Meta = _index_meta("QueueIndex", AllProjection())
    pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class StatusIndex(GlobalSecondaryIndex["TicketItem"]):
    Meta = _index_meta("StatusIndex", AllProjection())
    pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class AssigneeIndex(GlobalSecondaryIndex["TicketItem"]):
    Meta = _index_meta("AssigneeIndex", AllProjection())
    pk = UnicodeAttribute(hash_key=True, attr_name="GSI3PK")
    sk = UnicodeAttribute(range_key=True, attr_name="GSI3SK")


class RequesterIndex(GlobalSecondaryIndex["TicketItem"]):
    Meta = _index_meta("RequesterIndex", AllProjection())
    pk = UnicodeAttribute(hash_key=True, attr_name="GSI4PK")
    sk = UnicodeAttribute(range_key=True, attr_name="GSI4SK")


class UnassignedIndex(GlobalSecondaryIndex["TicketItem"]):
    Meta = _index_meta("UnassignedIndex", AllProjection())
    pk = UnicodeAttribute(hash_key=True, attr_name="GSI5PK")
    sk = UnicodeAttribute(range_key=True, attr_name="GSI5SK")


class SlaDueIndex(GlobalSecondaryIndex["TicketItem"]):
    Meta = _index_meta("SlaDueIndex", KeysOnlyProjection())
    pk = UnicodeAttribute(hash_key=True, attr_name="SLAPK")
    sk = UnicodeAttribute(range_key=True, attr_name="SLASK")


class TicketItem(_Base):
    ticket_id = UnicodeAttribute(attr_name="id")
    number = NumberAttribute()
    subject = UnicodeAttribute()
    status = UnicodeAttribute()
    priority = UnicodeAttribute()
    channel = UnicodeAttribute()
    requester_email = UnicodeAttribute()
    requester_name = UnicodeAttribute(default="")
    cc: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    group = UnicodeAttribute(attr_name="group_name")
    assignee = UnicodeAttribute(null=True)
    tags: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    ticket_type = UnicodeAttribute(null=True, attr_name="ticket_type")
    custom_fields = JSONAttribute(default=dict)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    first_response_at = UnicodeAttribute(null=True)
    resolved_at = UnicodeAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)
    merged_into = UnicodeAttribute(null=True)
    follow_up_of = UnicodeAttribute(null=True)
    entry_count = NumberAttribute(default=0)
    extra = JSONAttribute(default=dict)  # channel-specific facts (spam signals, mail verdicts...)
    version = VersionAttribute()

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    gsi2pk = UnicodeAttribute(attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK")
    gsi3pk = UnicodeAttribute(attr_name="GSI3PK", null=True)
    gsi3sk = UnicodeAttribute(attr_name="GSI3SK", null=True)
    gsi4pk = UnicodeAttribute(attr_name="GSI4PK")
    gsi4sk = UnicodeAttribute(attr_name="GSI4SK")
    gsi5pk = UnicodeAttribute(attr_name="GSI5PK", null=True)
    gsi5sk = UnicodeAttribute(attr_name="GSI5SK", null=True)
    sla_pk = UnicodeAttribute(attr_name="SLAPK", null=True)
    sla_sk = UnicodeAttribute(attr_name="SLASK", null=True)

    queue_index = QueueIndex()
    status_index = StatusIndex()
    assignee_index = AssigneeIndex()
    requester_index = RequesterIndex()
    unassigned_index = UnassignedIndex()
    sla_due_index = SlaDueIndex()


class Attachment(MapAttribute[str, Any]):
    key = UnicodeAttribute()
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()


class EntryItem(_Base):
    """One conversation entry: customer message, public reply, internal note or system entry."""

    ticket_id = UnicodeAttribute(attr_name="ticket_id")
    entry_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    author_kind = UnicodeAttribute()
    author_id = UnicodeAttribute()
    author_email = UnicodeAttribute(default="")
    author_name = UnicodeAttribute(default="")
    body_text = UnicodeAttribute(default="")
    body_html = UnicodeAttribute(null=True)
    attachments = ListAttribute(of=Attachment, default=list)
    message_id = UnicodeAttribute(null=True)
    channel = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    extra = JSONAttribute(default=dict)


class AuditItem(_Base):
    ticket_id = UnicodeAttribute(attr_name="ticket_id")
    actor_kind = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    actor_email = UnicodeAttribute(default="")
    field = UnicodeAttribute()
    old = JSONAttribute(null=True)
    new = JSONAttribute(null=True)
    at = UnicodeAttribute()


class LookupItem(_Base):
    """A unique key pointing at a ticket: number, client key, Message-ID."""

    ticket_id = UnicodeAttribute(attr_name="ticket_id")
    created_at = UnicodeAttribute()


class CounterItem(_Base):
    value = NumberAttribute(default=0)


class TagItem(_Base):
    ticket_id = UnicodeAttribute(attr_name="ticket_id")


class WordItem(_Base):
    """One word of a ticket's subject (the search index): kept in the transactions that create or rename it."""

    ticket_id = UnicodeAttribute(attr_name="ticket_id")


class OutboxItem(_Base):
    """An event written in the same transaction as the change that caused it.

    The table stream carries it to the queues (EventBridge Pipes in AWS, a poller locally), so work
    such as routing and mail happens at least once and only for changes that were committed.
    """

    ticket_id = UnicodeAttribute(attr_name="ticket_id", null=True)  # None for an event about no ticket (agents)
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    payload = JSONAttribute(default=dict)
    at = UnicodeAttribute()
    expires_at = NumberAttribute()


class AgentItem(_Base):
    """An agent's profile in the directory (one partition holds the whole directory: it is small)."""

    agent_id = UnicodeAttribute()
    email = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    role = UnicodeAttribute(default="agent")
    groups: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    availability = UnicodeAttribute(default="offline")
    capacity = NumberAttribute(default=20)
    updated_at = UnicodeAttribute(default="")
    version = VersionAttribute()


class GroupItem(_Base):
    """A group: where tickets wait, how they are assigned, the address replies go out from."""

    name = UnicodeAttribute()
    address = UnicodeAttribute(default="")
    assignment_mode = UnicodeAttribute(default="manual")
    description = UnicodeAttribute(default="")
    updated_at = UnicodeAttribute(default="")
    version = VersionAttribute()


class AgentLoadItem(_Base):
    """How many tickets wait on an agent (status new or open, assigned to them): the routing's load counter.

    It moves only in a transaction with a ticket's load marker (`TicketLoadItem`), so it always equals the number
    of markers pointing at the agent."""

    agent_id = UnicodeAttribute()
    open = NumberAttribute(default=0)


class RoutingCursorItem(_Base):
    """A group's rotation: the agent assigned last and how many assignments the router made in the group."""

    group = UnicodeAttribute(attr_name="group_name")
    last_agent = UnicodeAttribute(null=True)
    seq = NumberAttribute(default=0)
    updated_at = UnicodeAttribute(default="")


class TicketLoadItem(_Base):
    """Whom a ticket counts toward in the load counters (None: nobody) as of the ticket's version `ticket_version`."""

    ticket_id = UnicodeAttribute(attr_name="ticket_id")
    agent = UnicodeAttribute(null=True)
    ticket_version = NumberAttribute(default=0)


class RuleItem(_Base):
    """A routing rule: its document (conditions, actions; the routing feature's model) and its place in the order."""

    rule_id = UnicodeAttribute()
    position = NumberAttribute()
    document = JSONAttribute(default=dict)
    updated_at = UnicodeAttribute(default="")
    version = VersionAttribute()


class RoutingSettingsItem(_Base):
    """How the rule set applies (`first` match or `all` matches) and the group a ticket no rule places goes to."""

    mode = UnicodeAttribute(default="first")
    default_group = UnicodeAttribute()
    updated_at = UnicodeAttribute(default="")
    version = VersionAttribute()


class MacroItem(_Base):
    """A saved reply or note with placeholders and field changes (the macros feature)."""

    macro_id = UnicodeAttribute()
    name = UnicodeAttribute()
    body = UnicodeAttribute()
    kind = UnicodeAttribute(default="public_reply")
    actions = JSONAttribute(default=dict)
    updated_at = UnicodeAttribute(default="")
    updated_by = UnicodeAttribute(default="")
    version = VersionAttribute()


class SlaPolicyItem(_Base):
    """An SLA policy: its document (the SLA feature's `Policy.to_dict`) and its place in the order."""

    policy_id = UnicodeAttribute()
    position = NumberAttribute()
    document = JSONAttribute(default=dict)
    updated_at = UnicodeAttribute(default="")
    version = VersionAttribute()


class SlaCalendarItem(_Base):
    """A business calendar (the SLA feature's `Calendar.to_dict`), by name."""

    name = UnicodeAttribute()
    document = JSONAttribute(default=dict)
    updated_at = UnicodeAttribute(default="")
    version = VersionAttribute()


class SlaStateDueIndex(GlobalSecondaryIndex["SlaStateItem"]):
    """`SlaDueIndex` as the SLA items that write it see it (keys only)."""

    Meta = _index_meta("SlaDueIndex", KeysOnlyProjection())
    pk = UnicodeAttribute(hash_key=True, attr_name="SLAPK")
    sk = UnicodeAttribute(range_key=True, attr_name="SLASK")


class SlaStateItem(_Base):
    """A ticket's SLA: the facts of its timeline (each under the id of the event that brought it, so a repeated
    event adds nothing), the clocks as last evaluated, the SLA events already recorded (audit trail, bus) and the
    escalations done. It carries the sparse due-index keys while a clock runs. Kept apart from the ticket item:
    ticket changes put the whole ticket conditioned on its version, so fields written beside them would either be
    lost or make agents' edits stale."""

    ticket_id = UnicodeAttribute(attr_name="ticket_id")
    facts = JSONAttribute(default=list)
    clocks = JSONAttribute(default=dict)
    recorded: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    escalated: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    automation = JSONAttribute(default=dict)  # time-based automations done: key (kind:since) -> instant
    updated_at = UnicodeAttribute(default="")
    sla_pk = UnicodeAttribute(attr_name="SLAPK", null=True)
    sla_sk = UnicodeAttribute(attr_name="SLASK", null=True)
    version = VersionAttribute()

    sla_due_index = SlaStateDueIndex()
