"""Bodies of the macro routes (pydantic, loaded with the routes on the first request)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from loket.core.domain.ticket import Priority, Status, normalize_tags
from loket.features.macros.macro import PLACEHOLDERS, Actions, Macro, MacroKind

MAX_TAGS = 20
Tag = Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-:.]*$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"\S")]
Body = Annotated[str, StringConstraints(min_length=1, max_length=10_000, pattern=r"\S")]
# the statuses an agent may set (macro.SETTABLE_STATUSES; a unit test keeps them equal)
SettableStatus = Literal["open", "pending", "on_hold", "resolved", "closed"]

_BODY_HELP = "Plain text; placeholders: " + ", ".join("`{{" + p + "}}`" for p in PLACEHOLDERS) + " (any other is 422)"


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ActionsIn(_Input):
    status: SettableStatus | None = Field(default=None, description="The status the ticket gets")
    priority: Priority | None = None
    tags_add: Annotated[list[Tag], Field(max_length=MAX_TAGS)] = []
    tags_remove: Annotated[list[Tag], Field(max_length=MAX_TAGS)] = []

    def actions(self) -> Actions:
        return Actions(
            status=Status(self.status) if self.status is not None else None,
            priority=self.priority,
            tags_add=tuple(normalize_tags(self.tags_add)),
            tags_remove=tuple(normalize_tags(self.tags_remove)),
        )


class MacroIn(_Input):
    name: Name
    body: Body = Field(description=_BODY_HELP)
    kind: MacroKind = Field(default=MacroKind.PUBLIC_REPLY, description="A public reply (mailed) or an internal note")
    actions: ActionsIn = ActionsIn()

    def macro(self, macro_id: str) -> Macro:
        return Macro(macro_id, self.name, self.body, self.kind, self.actions.actions())


class ActionsOut(BaseModel):
    status: Status | None
    priority: Priority | None
    tags_add: list[str]
    tags_remove: list[str]


class MacroOut(BaseModel):
    id: str
    name: str
    body: str
    kind: MacroKind
    actions: ActionsOut
    updated_at: str
    version: int

    @classmethod
    def of(cls, m: Macro) -> MacroOut:
        a = m.actions
        return cls(
            id=m.macro_id,
            name=m.name,
            body=m.body,
            kind=m.kind,
            actions=ActionsOut(
                status=a.status, priority=a.priority, tags_add=list(a.tags_add), tags_remove=list(a.tags_remove)
            ),
            updated_at=m.updated_at,
            version=int(m.version or 0),
        )


class MacroList(BaseModel):
    items: list[MacroOut]


class TicketState(BaseModel):
    id: str
    number: str = Field(examples=["LKT-1042"])
    status: Status
    priority: Priority
    tags: list[str]
    version: int = Field(description="The ticket's new version (also its ETag)")


class MacroApplied(BaseModel):
    macro: str = Field(description="The macro's id")
    entry_id: str = Field(description="The reply or note it added, in the conversation")
    kind: MacroKind
    body: str = Field(description="The body as posted, placeholders filled in")
    ticket: TicketState
