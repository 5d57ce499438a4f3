"""The admin API's directory routes: groups and agents (/v1/admin/...), and each agent's own availability.

Admins may do everything here. A lead may read the agents of their own groups and change their availability and
capacity (`PATCH /v1/admin/agents/{agent}`), nothing else; every agent sets their own availability
(`PUT /v1/me/availability`). Changes name the version they change in If-Match (428 without, 412 stale), like
tickets. Deleting a group or agent that tickets, routing rules or members still refer to answers 409 naming them,
unless `move_to` says where they go (`loket.core.directory`, references registered by `loket.core.ticket_references`
and the features).

Creating an agent creates their login (`loket.channels.agent_api.logins`): the Cognito user, in the group of their
role, whose `sub` is the agent's id; deleting the agent disables it. Every change names the caller as the actor of
its `agent.changed` event and of the audit entries of tickets it moves. An `id` in the request registers an agent whose login already exists (its
subject), without touching the pool.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from loket.channels.agent_api.schemas import Email, Name
from loket.core import directory
from loket.core import ticket_references as _ticket_references  # registers the tickets' references  # noqa: F401
from loket.core.auth import ADMIN, AGENT, LEAD, current_actor, has_role, requires
from loket.core.domain.directory import (
    DEFAULT_CAPACITY,
    MAX_CAPACITY,
    Agent,
    AssignmentMode,
    Availability,
    Group,
)
from loket.core.domain.errors import AlreadyExists, Forbidden, NotFound
from loket.core.domain.ticket import Actor
from loket.core.errors import answers, expected_version

router = APIGatewayHttpRouter()

GroupRef = Annotated[str, Path(description="The group's name", max_length=64)]
AgentRef = Annotated[str, Path(description="The agent's id (their token's subject)", max_length=128)]
_VERSION = r'^(W/)?"?[0-9]{1,18}"?$'
IfMatch = Annotated[
    str | SkipJsonSchema[None],
    Header(
        alias="if-match",
        description="The version from the ETag",
        pattern=_VERSION,
        json_schema_extra={"pattern": _VERSION},
    ),
]
Ident = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@\-]+$")]
# what loket.core.domain.directory.GROUP_NAME allows (the document says it; the core says it again in words)
GroupName = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
Description = Annotated[str, StringConstraints(max_length=500)]


def _whole_number(value: Any) -> Any:
    """JSON's integers: 7 and 7.0, not true, "7" or 7.5 (pydantic's lax int takes "7", its strict int refuses 7.0)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return value


Capacity = Annotated[
    int,
    Field(ge=0, le=MAX_CAPACITY, description="Open tickets the agent holds at most"),
    BeforeValidator(_whole_number),
]


# --- schemas --------------------------------------------------------------------------------------


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _not_null(value: Any) -> Any:
    """A field that may be left out but not sent as null (the document shows no null)."""
    if value is None:
        raise ValueError("cannot be null: leave the field out instead")
    return value


class GroupIn(_Input):
    """A group's fields (its name comes from the path when it changes)."""

    address: Email | SkipJsonSchema[None] = Field(
        default=None, description="The group's address on the support domain: mail to it lands in the group"
    )
    assignment_mode: AssignmentMode = AssignmentMode.MANUAL
    description: Description = ""

    _address = field_validator("address", mode="before")(_not_null)


class GroupCreate(GroupIn):
    name: GroupName = Field(description="1-40 lowercase letters, digits or dashes; tickets and rules refer to it")


class GroupOut(BaseModel):
    name: str
    address: str
    assignment_mode: AssignmentMode
    description: str
    version: int

    @classmethod
    def of(cls, group: Group) -> GroupOut:
        return cls(
            name=group.name,
            address=group.address,
            assignment_mode=group.assignment_mode,
            description=group.description,
            version=group.version or 0,
        )


class GroupList(BaseModel):
    items: list[GroupOut]


class AgentIn(_Input):
    """An agent's fields (their id comes from the path when they change)."""

    email: Email
    name: Name = ""
    role: Annotated[str, Field(pattern=r"^(agent|lead|admin)$")] = "agent"
    groups: Annotated[list[GroupName], Field(max_length=50)] = Field(default_factory=list)
    availability: Availability = Availability.OFFLINE
    capacity: Capacity = DEFAULT_CAPACITY


class AgentCreate(AgentIn):
    id: Ident | SkipJsonSchema[None] = Field(
        default=None,
        description="The subject of an existing login to register; without it the agent's login is created",
    )

    _id = field_validator("id", mode="before")(_not_null)


class AgentLimits(_Input):
    """What a lead may change of the agents of their groups (send at least one)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    availability: Availability | SkipJsonSchema[None] = None
    capacity: Capacity | SkipJsonSchema[None] = None

    _fields = field_validator("availability", "capacity", mode="before")(_not_null)

    @model_validator(mode="after")
    def _something(self) -> AgentLimits:
        if self.availability is None and self.capacity is None:
            raise ValueError("send availability, capacity or both")
        return self


class AvailabilityIn(_Input):
    availability: Availability


class AgentOut(BaseModel):
    id: str = Field(description="The agent's id (the JWT subject), as tickets store it in `assignee`")
    email: str
    name: str
    role: str
    groups: list[str]
    availability: Availability
    capacity: int
    version: int

    @classmethod
    def of(cls, agent: Agent) -> AgentOut:
        return cls(
            id=agent.agent_id,
            email=agent.email,
            name=agent.name,
            role=agent.role,
            groups=list(agent.groups),
            availability=agent.availability,
            capacity=agent.capacity,
            version=agent.version or 0,
        )


class AgentPage(BaseModel):
    items: list[AgentOut]


# --- helpers --------------------------------------------------------------------------------------


def _answer(out: GroupOut | AgentOut, status: int = 200) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=out,
        headers={"ETag": f'"{out.version}"'},
    )


def _group(name: str) -> Group:
    found = directory.group(name)
    if found is None:
        raise NotFound("group", name)
    return found


def _agent(agent_id: str) -> Agent:
    found = directory.agent(agent_id)
    if found is None:
        raise NotFound("agent", agent_id)
    return found


def _address_is_free(agent: Agent) -> None:
    taken = next((a for a in directory.agents() if a.email == agent.email and a.agent_id != agent.agent_id), None)
    if taken is not None:
        raise AlreadyExists(f"email: {agent.email} already belongs to agent {taken.agent_id}")


def _lead_reaches(actor: Actor, agent: Agent) -> bool:
    """An admin reaches every agent; a lead those who share a group with them (and themself)."""
    if has_role(actor, "admin"):
        return True
    if actor.id == agent.agent_id:
        return True
    me = directory.agent(actor.id)
    return me is not None and bool(set(me.groups) & set(agent.groups))


# --- groups ---------------------------------------------------------------------------------------


@router.get("/v1/admin/groups", summary="Every group, by name", tags=["admin"])
@requires(ADMIN)
def list_groups() -> GroupList:
    return GroupList(items=[GroupOut.of(g) for g in directory.groups()])


@router.post("/v1/admin/groups", summary="Create a group", tags=["admin"], responses={201: {"description": "Created"}})
@requires(ADMIN)
@answers(400, 409)
def create_group(body: GroupCreate) -> Response[GroupOut]:
    new = Group(
        name=body.name,
        address=str(body.address or ""),
        assignment_mode=body.assignment_mode,
        description=body.description,
    )
    return _answer(GroupOut.of(directory.save_group(new, None)), 201)


@router.get("/v1/admin/groups/<group>", summary="One group; ETag is its version", tags=["admin"])
@requires(ADMIN)
def get_group(group: GroupRef) -> Response[GroupOut]:
    return _answer(GroupOut.of(_group(group)))


@router.put("/v1/admin/groups/<group>", summary="Change a group (If-Match)", tags=["admin"])
@requires(ADMIN)
@answers(400, 409, 412, 428)
def put_group(group: GroupRef, body: GroupIn, if_match: IfMatch = None) -> Response[GroupOut]:
    expected = expected_version(if_match, "group")
    current = _group(group)
    new = replace(
        current,
        address=str(body.address or ""),
        assignment_mode=body.assignment_mode,
        description=body.description,
    )
    return _answer(GroupOut.of(directory.save_group(new, expected)))


@router.delete(
    "/v1/admin/groups/<group>",
    summary="Delete a group; what refers to it moves to `move_to`, or 409 names it",
    tags=["admin"],
    responses={204: {"description": "Deleted"}},
)
@requires(ADMIN)
@answers(400, 409, 412, 428)
def delete_group(
    group: GroupRef,
    if_match: IfMatch = None,
    move_to: Annotated[
        str | None,
        Query(min_length=1, max_length=64, description="The group that takes over its tickets, rules and members"),
    ] = None,
) -> Response[str]:
    expected = expected_version(if_match, "group")
    directory.remove_group(group, expected, move_to=move_to, actor=current_actor(router))
    return Response(status_code=204, content_type=content_types.APPLICATION_JSON, body="")


# --- agents ---------------------------------------------------------------------------------------


@router.get("/v1/admin/agents", summary="Every agent (a lead: the agents of their groups), by email", tags=["admin"])
@requires(LEAD)
def list_agents() -> AgentPage:
    actor = current_actor(router)
    return AgentPage(items=[AgentOut.of(a) for a in directory.agents() if _lead_reaches(actor, a)])


@router.post(
    "/v1/admin/agents",
    summary="Create an agent and their login (or register an existing login with `id`)",
    tags=["admin"],
    responses={201: {"description": "Created"}},
)
@requires(ADMIN)
@answers(400, 409)
def create_agent(body: AgentCreate) -> Response[AgentOut]:
    new = Agent(
        agent_id=body.id or "pending",
        email=str(body.email).lower(),
        name=body.name,
        role=body.role,
        groups=tuple(dict.fromkeys(body.groups)),
        availability=body.availability,
        capacity=body.capacity,
    )
    directory.check_agent(new)  # nothing is created for an agent the directory would refuse
    _address_is_free(new)
    if body.id is None:
        from loket.channels.agent_api import logins

        new = replace(new, agent_id=logins.create_login(new.email, new.name, new.role))
    return _answer(AgentOut.of(directory.save_agent(new, None, actor=current_actor(router))), 201)


@router.get("/v1/admin/agents/<agent>", summary="One agent; ETag is their version", tags=["admin"])
@requires(LEAD)
def get_agent(agent: AgentRef) -> Response[AgentOut]:
    found = _agent(agent)
    if not _lead_reaches(current_actor(router), found):
        raise NotFound("agent", agent)  # a lead learns nothing of agents outside their groups
    return _answer(AgentOut.of(found))


@router.put("/v1/admin/agents/<agent>", summary="Change an agent (If-Match)", tags=["admin"])
@requires(ADMIN)
@answers(400, 409, 412, 428)
def put_agent(agent: AgentRef, body: AgentIn, if_match: IfMatch = None) -> Response[AgentOut]:
    expected = expected_version(if_match, "agent")
    current = _agent(agent)
    new = replace(
        current,
        email=str(body.email).lower(),
        name=body.name,
        role=body.role,
        groups=tuple(dict.fromkeys(body.groups)),
        availability=body.availability,
        capacity=body.capacity,
    )
    directory.check_agent(new)
    _address_is_free(new)
    if new.role != current.role:
        from loket.channels.agent_api import logins

        username = logins.username_of(current.agent_id)
        if username is not None:
            logins.set_role(username, new.role)
    return _answer(AgentOut.of(directory.save_agent(new, expected, actor=current_actor(router))))


@router.patch(
    "/v1/admin/agents/<agent>",
    summary="Change an agent's availability or capacity (admins, and leads for the agents of their groups)",
    tags=["admin"],
)
@requires(LEAD)
@answers(400, 412, 428)
def patch_agent(agent: AgentRef, body: AgentLimits, if_match: IfMatch = None) -> Response[AgentOut]:
    expected = expected_version(if_match, "agent")
    current = _agent(agent)
    actor = current_actor(router)
    if not _lead_reaches(actor, current):
        raise Forbidden(f"agent {agent} is in none of your groups: a lead changes the agents of their own groups")
    new = replace(
        current,
        availability=body.availability if body.availability is not None else current.availability,
        capacity=body.capacity if body.capacity is not None else current.capacity,
    )
    return _answer(AgentOut.of(directory.save_agent(new, expected, actor=actor)))


@router.delete(
    "/v1/admin/agents/<agent>",
    summary="Delete an agent; their tickets and rules move to `move_to`, or 409 names them",
    tags=["admin"],
    responses={204: {"description": "Deleted"}},
)
@requires(ADMIN)
@answers(400, 409, 412, 428)
def delete_agent(
    agent: AgentRef,
    if_match: IfMatch = None,
    move_to: Annotated[
        str | None,
        Query(min_length=1, max_length=128, description="The agent who takes over their tickets and rules"),
    ] = None,
) -> Response[str]:
    expected = expected_version(if_match, "agent")
    directory.remove_agent(agent, expected, move_to=move_to, actor=current_actor(router))
    from loket.channels.agent_api import logins

    logins.disable_login(agent)  # after the removal: a refused removal (409, 412) leaves the login as it was
    return Response(status_code=204, content_type=content_types.APPLICATION_JSON, body="")


# --- me -------------------------------------------------------------------------------------------


@router.put("/v1/me/availability", summary="Set your own availability", tags=["me"])
@requires(AGENT)
@answers(400, 404, 412)
def put_my_availability(body: AvailabilityIn, if_match: IfMatch = None) -> Response[AgentOut]:
    """If-Match is optional here: a toggle of your own; with it, a stale version answers 412."""
    actor = current_actor(router)
    if directory.agent(actor.id) is None:
        raise NotFound("agent", actor.id)
    expected = expected_version(if_match, "agent") if if_match is not None else None
    return _answer(AgentOut.of(directory.change_availability(actor.id, body.availability, expected, actor=actor)))
