"""Request and response models of the agent API. They drive validation, the 422s and the OpenAPI.

Input models forbid unknown fields, so nobody can set what they do not own (number, channel, version...).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from email_validator import SPECIAL_USE_DOMAIN_NAMES  # pydantic's EmailStr loads it anyway
from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from loket.core.data.models import AuditItem, EntryItem, TicketItem
from loket.core.domain.ticket import EntryKind, Priority, Status, format_number

MAX_SUBJECT = 250
MAX_BODY = 65_536
MAX_TAGS = 20
MAX_CUSTOM_FIELDS = 50

Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SUBJECT, pattern=r"\S")]
Body = Annotated[str, StringConstraints(min_length=1, max_length=MAX_BODY)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Key = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:@\-]+$")]
# what loket.core.domain.ticket.normalize_tags keeps (it lower-cases)
Tag = Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-:.]*$")]
FieldName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_]+$")]
# strict: "0042" stays a string (and its length is checked), it does not turn into the number 42
CustomValue = Annotated[str, StringConstraints(max_length=1000)] | StrictInt | StrictFloat | StrictBool | None
# email-validator refuses (422) a domain without a dot, one that does not end in a letter, and its special-use
# domains (SPECIAL_USE_DOMAIN_NAMES: no mail reaches them); `format: email` allows them, so the document adds a
# pattern
_ANY_CASE = "|".join("".join(f"[{c}{c.upper()}]" for c in d) for d in SPECIAL_USE_DOMAIN_NAMES)
_LABEL = r"[^@.\s_-](?:[^@.\s_]*[^@.\s_-])?"  # no dot, space or '_'; no '-' at either end
_TLD = r"[^@.\s_-]*[^\W\d_]"  # ends with a letter
Email = Annotated[
    EmailStr,
    Field(json_schema_extra={"pattern": rf"^[^@]+@(?!(?:[^@]*\.)?(?:{_ANY_CASE})$){_LABEL}(?:\.{_LABEL})*\.{_TLD}$"}),
]
CustomFields = Annotated[dict[FieldName, CustomValue], Field(max_length=MAX_CUSTOM_FIELDS)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_custom_fields(value: dict[str, Any]) -> dict[str, Any]:
    if len(value) > MAX_CUSTOM_FIELDS:
        raise ValueError(f"at most {MAX_CUSTOM_FIELDS} custom fields")
    for name, item in value.items():
        if not (1 <= len(name) <= 64) or not name.replace("_", "").isascii() or not name.replace("_", "").isalnum():
            raise ValueError(f"custom field name {name!r} must be 1-64 letters, digits or '_'")
        if isinstance(item, str) and len(item) > 1000:
            raise ValueError(f"custom field {name!r} is longer than 1000 characters")
    return value


class Requester(_Input):
    email: Email
    name: Name = ""


class TicketCreate(_Input):
    """A ticket an agent opens on a customer's behalf (channel `api`)."""

    subject: Subject
    body: Body = Field(description="The customer's request, plain text.")
    requester: Requester
    priority: Priority = Priority.NORMAL
    group: Key | None = None
    assignee: Key | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    type: Key | None = None
    custom_fields: CustomFields = Field(default_factory=dict)
    cc: list[Email] = Field(default_factory=list, max_length=20)

    _custom = field_validator("custom_fields")(_check_custom_fields)


class TicketPatch(_Input):
    """The fields an agent may change. Send only those that change (at least one); `null` clears assignee, type
    and custom fields, and no other field."""

    # at least one field: an empty change is refused (400), so the document says so
    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    # None only means "not sent": the document shows no null for these, and a null sent is refused (422)
    subject: Subject | SkipJsonSchema[None] = None
    status: Status | SkipJsonSchema[None] = None
    priority: Priority | SkipJsonSchema[None] = None
    assignee: Key | None = None
    group: Key | SkipJsonSchema[None] = None
    tags: Annotated[list[Tag], Field(max_length=MAX_TAGS)] | SkipJsonSchema[None] = None
    type: Key | None = None
    custom_fields: CustomFields | None = Field(
        default=None, description="Merged into the ticket's fields; a null value removes a field."
    )
    cc: Annotated[list[Email], Field(max_length=20)] | SkipJsonSchema[None] = Field(
        default=None, description="Who else gets the public replies; replaces the list ([] clears it)."
    )

    _custom = field_validator("custom_fields")(lambda v: v if v is None else _check_custom_fields(v))

    @field_validator("subject", "status", "priority", "group", "tags", "cc", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null: leave the field out to keep it")
        return value


UploadKey = Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=r"^agent/")]
MAX_ENTRY_FILES = 5  # the default of AGENT_ENTRY_MAX_FILES
Attachments = Annotated[
    list[UploadKey],
    Field(
        max_length=MAX_ENTRY_FILES,
        description="Keys from POST /v1/uploads: files of yours to attach (at most 5, 6 MB together).",
    ),
]


class ReplyCreate(_Input):
    body: Body
    status: Status | None = Field(default=None, description="Optionally set the status in the same step.")
    attachments: Attachments = []


class NoteCreate(_Input):
    body: Body
    attachments: Attachments = []


class UploadOut(BaseModel):
    key: str = Field(description="Name this in `attachments` of a reply or note.")
    filename: str
    content_type: str
    size: int


class MergeRequest(_Input):
    into: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"\S")] = Field(
        description="The ticket (id or number such as LKT-1042) this one is merged into."
    )


TicketRefIn = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"\S")]
MAX_BULK = 100


class BulkChange(_Input):
    """Tickets to assign and/or move: `assignee` (null unassigns) and/or `group`, at least one."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"anyOf": [{"required": ["assignee"]}, {"required": ["group"]}]}
    )

    tickets: list[TicketRefIn] = Field(
        min_length=1, max_length=MAX_BULK, description="Ticket ids or numbers such as LKT-1042 (at most 100)."
    )
    assignee: Key | None = None
    group: Key | SkipJsonSchema[None] = None

    @field_validator("group", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null: leave the field out to keep it")
        return value

    @model_validator(mode="after")
    def _something(self) -> BulkChange:
        if not ({"assignee", "group"} & self.model_fields_set):
            raise ValueError("send assignee and/or group")
        return self


class PersonOut(BaseModel):
    email: str
    name: str = ""


class SlaClockOut(BaseModel):
    metric: Literal["first_response", "next_response", "resolution"]
    cycle: int = Field(description="next_response counts a cycle per answered customer message")
    state: Literal["running", "paused", "breached"]
    target_minutes: int
    basis: Literal["business", "calendar"]
    policy: str
    started_at: str
    due_at: str | None = Field(description="When the clock breaches (or did); null while paused.")
    warn_at: str | None = Field(description="When the clock warns (or did); null while paused.")
    paused: bool
    warned: bool
    breached: bool
    warned_at: str | None
    breached_at: str | None

    @classmethod
    def of(cls, clock: dict[str, Any]) -> SlaClockOut:
        return cls(
            metric=clock["metric"],
            cycle=int(clock["cycle"]),
            state=clock["state"],
            target_minutes=int(clock["target"]["minutes"]),
            basis=clock["target"]["basis"],
            policy=clock["policy"],
            started_at=clock["started_at"],
            due_at=clock.get("due_at"),
            warn_at=clock.get("warn_at"),
            paused=clock["state"] == "paused",
            warned=bool(clock.get("warned_at")),
            breached=clock["state"] == "breached" or bool(clock.get("breached_at")),
            warned_at=clock.get("warned_at"),
            breached_at=clock.get("breached_at"),
        )


class SlaOut(BaseModel):
    """The ticket's running SLA clocks as the SLA consumer or sweep last evaluated them (`evaluated_at`)."""

    policy: str | None
    evaluated_at: str
    next_check: str | None = Field(description="The next instant a running clock warns or breaches.")
    clocks: list[SlaClockOut] = Field(description="The clocks still counting (running, paused, or breached and open).")

    @classmethod
    def of(cls, summary: dict[str, Any]) -> SlaOut:
        running = [c for c in summary.get("clocks") or [] if not c.get("stopped_at") and c["state"] != "cancelled"]
        return cls(
            policy=summary.get("policy"),
            evaluated_at=summary["evaluated_at"],
            next_check=summary.get("next_check"),
            clocks=[SlaClockOut.of(c) for c in running],
        )


class TicketOut(BaseModel):
    id: str
    number: str = Field(examples=["LKT-1042"])
    subject: str
    status: Status
    priority: Priority
    channel: str
    requester: PersonOut
    cc: list[str]
    group: str
    assignee: str | None
    tags: list[str]
    type: str | None
    custom_fields: dict[str, Any]
    created_at: str
    updated_at: str
    first_response_at: str | None
    resolved_at: str | None
    closed_at: str | None
    merged_into: str | None
    follow_up_of: str | None
    quarantine: dict[str, Any] | None = None
    version: int
    sla: SlaOut | None = Field(
        default=None,
        description="The running SLA clocks: on GET /v1/tickets/{ticket} only (null elsewhere, and before the SLA "
        "consumer has seen the ticket).",
    )

    @classmethod
    def of(cls, t: TicketItem) -> TicketOut:
        return cls(
            id=t.ticket_id,
            number=format_number(int(t.number)),
            subject=t.subject,
            status=Status(t.status),
            priority=Priority(t.priority),
            channel=t.channel,
            requester=PersonOut(email=t.requester_email, name=t.requester_name or ""),
            cc=list(t.cc or []),
            group=t.group,
            assignee=t.assignee,
            tags=list(t.tags or []),
            type=t.ticket_type,
            custom_fields=dict(t.custom_fields or {}),
            created_at=t.created_at,
            updated_at=t.updated_at,
            first_response_at=t.first_response_at,
            resolved_at=t.resolved_at,
            closed_at=t.closed_at,
            merged_into=t.merged_into,
            follow_up_of=t.follow_up_of,
            quarantine=(t.extra or {}).get("quarantine"),
            version=int(t.version),
        )


class TicketPage(BaseModel):
    items: list[TicketOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class BulkResult(BaseModel):
    ticket: str = Field(description="The ticket as sent.")
    outcome: Literal["changed", "unchanged", "not_found", "invalid_transition", "conflict"]
    message: str = ""
    result: TicketOut | None = Field(default=None, description="The ticket after the change (when found).")


class BulkResults(BaseModel):
    items: list[BulkResult]


class AttachmentOut(BaseModel):
    key: str
    filename: str
    content_type: str
    size: int


class AttachmentLink(BaseModel):
    filename: str
    content_type: str
    size: int
    url: str = Field(description="Downloads the file (never shown inline); works for `expires_in` seconds.")
    expires_in: int


class EntryOut(BaseModel):
    id: str
    kind: EntryKind
    author: dict[str, str]
    body_text: str
    body_html: str | None
    attachments: list[AttachmentOut]
    channel: str | None
    created_at: str

    @classmethod
    def of(cls, e: EntryItem) -> EntryOut:
        return cls(
            id=e.entry_id,
            kind=EntryKind(e.kind),
            author={"kind": e.author_kind, "id": e.author_id, "email": e.author_email, "name": e.author_name},
            body_text=e.body_text,
            body_html=e.body_html,
            attachments=[
                AttachmentOut(key=a.key, filename=a.filename, content_type=a.content_type, size=int(a.size))
                for a in (e.attachments or [])
            ],
            channel=e.channel,
            created_at=e.created_at,
        )


class EntryList(BaseModel):
    items: list[EntryOut]


class EntryCreated(BaseModel):
    ticket: TicketOut
    entry: EntryOut


class AuditOut(BaseModel):
    actor: dict[str, str]
    field: str
    old: Any
    new: Any
    at: str

    @classmethod
    def of(cls, a: AuditItem) -> AuditOut:
        return cls(
            actor={"kind": a.actor_kind, "id": a.actor_id, "email": a.actor_email},
            field=a.field,
            old=a.old,
            new=a.new,
            at=a.at,
        )


class AuditList(BaseModel):
    items: list[AuditOut]


class AgentOut(BaseModel):
    id: str = Field(description="The agent's id (the JWT subject), as tickets store it in `assignee`.")
    email: str
    name: str
    role: str
    groups: list[str]
    availability: str = Field(description="available, away or offline")
    capacity: int = Field(description="Open tickets the agent holds at most")


class AgentList(BaseModel):
    items: list[AgentOut]


class Health(BaseModel):
    status: str
    service: str
