"""Admin routes of the SLA policies and calendars (/v1/admin/sla-policies, /v1/admin/calendars): a Powertools Router
the agent API composes.

Admin only. Changes name the version they change in If-Match (428 without, 412 stale), like tickets. The bodies are
the engine's documents (`Policy.to_dict`, `Calendar.to_dict`); what the engine refuses (an unknown time zone or
country, an empty week, overlapping spans, a target of zero, a calendar that does not exist) is 422 with its reason.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Header, Path
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from loket.core.auth import ADMIN, requires
from loket.core.domain.ticket import Priority
from loket.core.errors import answers, expected_version
from loket.features.sla import store
from loket.features.sla.calendar import MAX_CUSTOM_DATES, MAX_SPANS_PER_DAY
from loket.features.sla.policy import (
    DEFAULT_CALENDAR,
    DEFAULT_WARN_AT,
    MAX_POLICIES,
    MAX_TARGET_MINUTES,
    MAX_VALUES,
    Metric,
    TimeBasis,
)

PolicyRef = Annotated[str, Path(description="The policy's id", max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
CalendarRef = Annotated[str, Path(description="The calendar's name", max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
IfMatch = Annotated[str | None, Header(alias="if-match", description="The version from the ETag")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[\w .:/()\-]+$")]
CalendarName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
Value = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"\S")]
SpanText = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-4]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")]
DateText = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]

router = APIGatewayHttpRouter()


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TargetIn(_Input):
    minutes: int = Field(ge=1, le=MAX_TARGET_MINUTES, description="Minutes of business or calendar time")
    basis: TimeBasis = Field(
        default=TimeBasis.BUSINESS, description="`business`: the policy's calendar; `calendar`: 24/7"
    )


class ConditionsIn(_Input):
    groups: list[Value] = Field(default=[], max_length=MAX_VALUES)
    channels: list[Literal["web", "email", "api", "chat", "whatsapp"]] = Field(default=[], max_length=MAX_VALUES)
    requester_domains: list[Value] = Field(default=[], max_length=MAX_VALUES)
    tags: list[Value] = Field(default=[], max_length=MAX_VALUES)
    types: list[Value] = Field(default=[], max_length=MAX_VALUES)


class PolicyIn(_Input):
    name: Name
    conditions: ConditionsIn = Field(
        default_factory=lambda: ConditionsIn(), description="All must hold; empty lists: any"
    )
    targets: dict[Priority, dict[Metric, TargetIn]] = Field(description="Per priority, per metric")
    warn_at: float = Field(default=DEFAULT_WARN_AT, gt=0, lt=1, description="Used fraction of a target that warns")
    pause_on_hold: bool = False
    calendar: CalendarName = Field(default=DEFAULT_CALENDAR, description="The business calendar, by name")


class PolicyOut(BaseModel):
    id: str
    position: int
    version: int
    name: str
    conditions: dict[str, list[str]]
    targets: dict[str, dict[str, dict[str, Any]]]
    warn_at: float
    pause_on_hold: bool
    calendar: str


class PolicyList(BaseModel):
    items: list[PolicyOut]
    default: bool = Field(description="No policy is stored: the built-in default policy (`items[0]`) applies")


class PolicyOrder(_Input):
    order: list[Id] = Field(description="Every policy's id, in the new order", max_length=MAX_POLICIES)


class HolidaysIn(_Input):
    country: str = Field(
        default="ID", min_length=2, max_length=3, description="ISO 3166 code the `holidays` package knows"
    )
    subdivision: str | None = Field(default=None, min_length=1, max_length=10)
    categories: list[Annotated[str, StringConstraints(min_length=1, max_length=40)]] = Field(
        default=["public"], max_length=10, description="`public`; Indonesia's cuti bersama is `government`"
    )
    language: str | None = Field(default=None, min_length=2, max_length=10)


class ClosedDate(_Input):
    date: DateText
    name: str = Field(default="closed", max_length=200)


Week = dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[SpanText]]


class CalendarIn(_Input):
    name: CalendarName
    time_zone: str = Field(default="Asia/Jakarta", min_length=1, max_length=64, description="IANA zone")
    week: Week = Field(description=f"Open spans per weekday, `HH:MM-HH:MM` local time, at most {MAX_SPANS_PER_DAY}")
    holidays: HolidaysIn | None = Field(
        default_factory=lambda: HolidaysIn(), description="Public holidays from the `holidays` package; null: none"
    )
    closed_dates: list[ClosedDate] = Field(default=[], max_length=MAX_CUSTOM_DATES)
    open_dates: list[DateText] = Field(default=[], max_length=MAX_CUSTOM_DATES)


class CalendarOut(BaseModel):
    version: int = Field(description="0: the built-in default (24/7, UTC)")
    name: str
    time_zone: str
    week: dict[str, list[dict[str, str]]]
    holidays: dict[str, Any] | None
    closed_dates: list[dict[str, str]]
    open_dates: list[str]


class CalendarList(BaseModel):
    items: list[CalendarOut]


def _policy(p: store.StoredPolicy) -> PolicyOut:
    return PolicyOut(id=p.id, position=p.position, version=p.version, **p.policy.to_dict())


def _calendar(c: store.StoredCalendar) -> CalendarOut:
    return CalendarOut(version=c.version, **c.calendar.to_dict())


def _spans(week: Week) -> dict[str, list[str]]:
    return {day: list(spans) for day, spans in week.items()}


def _calendar_document(body: CalendarIn) -> dict[str, Any]:
    return {**body.model_dump(mode="json"), "week": _spans(body.week)}


def _json(body: BaseModel, status: int = 200, version: int | None = None) -> Response[BaseModel]:
    headers = {"ETag": f'"{version}"'} if version is not None else None
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


# --- policies -------------------------------------------------------------------------------------


@router.get("/v1/admin/sla-policies", summary="The SLA policies, in order (first match applies)", tags=["sla"])
@requires(ADMIN)
def list_policies() -> PolicyList:
    stored = store.policies()
    if stored:
        return PolicyList(items=[_policy(p) for p in stored], default=False)
    builtin = store.effective_policies()[0]
    return PolicyList(items=[PolicyOut(id="default", position=0, version=0, **builtin.to_dict())], default=True)


@router.post(
    "/v1/admin/sla-policies",
    summary="Add an SLA policy (last in the order)",
    tags=["sla"],
    status_code=201,
    response_description="Created",
)
@requires(ADMIN)
@answers(400)
def create_policy(body: PolicyIn) -> Response[PolicyOut]:
    created = store.create_policy(body.model_dump(mode="json"))
    return _json(_policy(created), 201, created.version)  # type: ignore[return-value]


@router.put(
    "/v1/admin/sla-policies/order",
    summary="Reorder the SLA policies: every policy's id, in the new order (one transaction)",
    tags=["sla"],
)
@requires(ADMIN)
@answers(400, 412)
def reorder_policies(body: PolicyOrder) -> PolicyList:
    return PolicyList(items=[_policy(p) for p in store.reorder_policies(body.order)], default=False)


@router.get("/v1/admin/sla-policies/<policy>", summary="One SLA policy", tags=["sla"])
@requires(ADMIN)
def get_policy(policy: PolicyRef) -> Response[PolicyOut]:
    found = store.policy(policy)
    return _json(_policy(found), version=found.version)  # type: ignore[return-value]


@router.put("/v1/admin/sla-policies/<policy>", summary="Replace an SLA policy (its place stays)", tags=["sla"])
@requires(ADMIN)
@answers(400, 412, 428)
def replace_policy(policy: PolicyRef, body: PolicyIn, if_match: IfMatch = None) -> Response[PolicyOut]:
    changed = store.replace_policy(policy, body.model_dump(mode="json"), expected_version(if_match, "sla policy"))
    return _json(_policy(changed), version=changed.version)  # type: ignore[return-value]


@router.delete(
    "/v1/admin/sla-policies/<policy>",
    summary="Delete an SLA policy",
    tags=["sla"],
    status_code=204,
    response_description="Deleted",
)
@requires(ADMIN)
@answers(400, 412, 428)
def delete_policy(policy: PolicyRef, if_match: IfMatch = None) -> Response[None]:
    store.delete_policy(policy, expected_version(if_match, "sla policy"))
    return Response(status_code=204)


# --- calendars ------------------------------------------------------------------------------------


@router.get("/v1/admin/calendars", summary="The business calendars (with the built-in default)", tags=["sla"])
@requires(ADMIN)
def list_calendars() -> CalendarList:
    return CalendarList(items=[_calendar(c) for c in store.calendars()])


@router.post(
    "/v1/admin/calendars",
    summary="Add a business calendar",
    tags=["sla"],
    status_code=201,
    response_description="Created",
)
@requires(ADMIN)
@answers(400, 409)
def create_calendar(body: CalendarIn) -> Response[CalendarOut]:
    created = store.create_calendar(_calendar_document(body))
    return _json(_calendar(created), 201, created.version)  # type: ignore[return-value]


@router.get("/v1/admin/calendars/<calendar>", summary="One business calendar", tags=["sla"])
@requires(ADMIN)
def get_calendar(calendar: CalendarRef) -> Response[CalendarOut]:
    found = store.calendar(calendar)
    return _json(_calendar(found), version=found.version)  # type: ignore[return-value]


@router.put(
    "/v1/admin/calendars/<calendar>",
    summary="Replace a business calendar (If-Match; version 0 replaces the built-in default)",
    tags=["sla"],
)
@requires(ADMIN)
@answers(400, 409, 412, 428)
def replace_calendar(calendar: CalendarRef, body: CalendarIn, if_match: IfMatch = None) -> Response[CalendarOut]:
    changed = store.replace_calendar(calendar, _calendar_document(body), expected_version(if_match, "calendar"))
    return _json(_calendar(changed), version=changed.version)  # type: ignore[return-value]


@router.delete(
    "/v1/admin/calendars/<calendar>",
    summary="Delete a business calendar no policy names (409 names the policies that do)",
    tags=["sla"],
    status_code=204,
    response_description="Deleted",
)
@requires(ADMIN)
@answers(400, 409, 412, 428)
def delete_calendar(calendar: CalendarRef, if_match: IfMatch = None) -> Response[None]:
    store.delete_calendar(calendar, expected_version(if_match, "calendar"))
    return Response(status_code=204)
