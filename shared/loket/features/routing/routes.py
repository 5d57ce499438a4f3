"""Admin routes of the rule set (/v1/admin/rules, /v1/admin/routing): a Powertools Router the agent API composes.

Admin only. Changes name the version they change in If-Match (428 without, 412 stale), like tickets; a rule that
names an unknown group or agent, or holds a pattern RE2 cannot compile, is refused with 422 and the reason.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Header, Path
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from loket.core.auth import ADMIN, requires
from loket.core.domain.ticket import Priority, format_number
from loket.core.errors import answers, expected_version
from loket.features.routing import references as _references  # registers the rules' references  # noqa: F401
from loket.features.routing import ruleset
from loket.features.routing.rules import MAX_RULES, GroupName, Mode, Outcome, RoutingSettings, Rule, RuleIn

RuleRef = Annotated[str, Path(description="The rule's id", max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
IfMatch = Annotated[str | None, Header(alias="if-match", description="The version from the ETag")]
RuleId = Annotated[str, StringConstraints(min_length=1, max_length=64)]

router = APIGatewayHttpRouter()


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleList(BaseModel):
    items: list[Rule]


class RuleOrder(_Input):
    order: list[RuleId] = Field(description="Every rule's id, in the new order", max_length=MAX_RULES)


class SettingsIn(_Input):
    mode: Mode = Field(description="`first`: the first matching rule applies; `all`: every matching rule, in order")
    default_group: GroupName = Field(description="Where a ticket goes when no rule picks a group")


class TicketReference(_Input):
    ticket: str = Field(min_length=1, max_length=64, description="Ticket id or number such as LKT-1042")


class WouldSet(BaseModel):
    group: str | None = None
    priority: Priority | None = None
    type: str | None = None
    assignee: str | None = None
    tags_add: list[str] = []


class RuleSetDecision(WouldSet):
    rules: list[str] = Field(description="The ids of the rules that would apply, in order")
    default_group: bool = Field(description="No rule would pick a group: the default group")


class TrialOut(BaseModel):
    ticket: str = Field(description="The ticket's number")
    rule: str
    matches: bool = Field(description="Whether this rule's conditions hold for the ticket")
    would_set: WouldSet | None = Field(description="What this rule would do to the ticket (null: it does not match)")
    rule_set: RuleSetDecision = Field(description="What the whole enabled rule set would decide (nothing is changed)")


def _json(body: BaseModel, status: int = 200, version: int | None = None) -> Response[BaseModel]:
    headers = {"ETag": f'"{version}"'} if version is not None else None
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


@router.get("/v1/admin/rules", summary="The routing rules, in order", tags=["routing"])
@requires(ADMIN)
def list_rules() -> RuleList:
    return RuleList(items=ruleset.rules())


@router.post(
    "/v1/admin/rules",
    summary="Add a routing rule (last in the order)",
    tags=["routing"],
    status_code=201,
    response_description="Created",
)
@requires(ADMIN)
@answers(400)
def create_rule(body: RuleIn) -> Response[Rule]:
    rule = ruleset.create(body)
    return _json(rule, 201, rule.version)  # type: ignore[return-value]


@router.put(
    "/v1/admin/rules/order",
    summary="Reorder the rules: every rule's id, in the new order (one transaction)",
    tags=["routing"],
)
@requires(ADMIN)
@answers(400, 412)
def reorder_rules(body: RuleOrder) -> RuleList:
    return RuleList(items=ruleset.reorder(body.order))


@router.get("/v1/admin/rules/<rule>", summary="One routing rule", tags=["routing"])
@requires(ADMIN)
def get_rule(rule: RuleRef) -> Response[Rule]:
    found = ruleset.rule(rule)
    return _json(found, version=found.version)  # type: ignore[return-value]


@router.put("/v1/admin/rules/<rule>", summary="Replace a routing rule (its place stays)", tags=["routing"])
@requires(ADMIN)
@answers(400, 412, 428)
def replace_rule(rule: RuleRef, body: RuleIn, if_match: IfMatch = None) -> Response[Rule]:
    changed = ruleset.replace(rule, body, expected_version(if_match, "rule"))
    return _json(changed, version=changed.version)  # type: ignore[return-value]


@router.delete(
    "/v1/admin/rules/<rule>",
    summary="Delete a routing rule",
    tags=["routing"],
    status_code=204,
    response_description="Deleted",
)
@requires(ADMIN)
@answers(400, 412, 428)
def delete_rule(rule: RuleRef, if_match: IfMatch = None) -> Response[None]:
    ruleset.delete(rule, expected_version(if_match, "rule"))
    return Response(status_code=204)


def _would(outcome: Outcome) -> RuleSetDecision:
    return RuleSetDecision(
        rules=[r.id for r in outcome.matched],
        group=outcome.group,
        priority=outcome.priority,
        type=outcome.type,
        assignee=outcome.assignee,
        tags_add=list(outcome.tags_add),
        default_group=outcome.default_group_used,
    )


@router.post(
    "/v1/admin/rules/<rule>/test",
    summary="Whether a rule matches a ticket and what it would do (changes nothing)",
    tags=["routing"],
)
@requires(ADMIN)
@answers(400, 409)
def try_rule(rule: RuleRef, body: TicketReference) -> TrialOut:
    trial = ruleset.trial(rule, body.ticket)
    a = trial.rule.actions
    would = (
        WouldSet(group=a.group, priority=a.priority, type=a.type, assignee=a.assignee, tags_add=list(a.tags_add))
        if trial.matches
        else None
    )
    return TrialOut(
        ticket=format_number(int(trial.ticket.number)),
        rule=trial.rule.id,
        matches=trial.matches,
        would_set=would,
        rule_set=_would(trial.rule_set),
    )


@router.get("/v1/admin/routing", summary="How the rule set applies, and the default group", tags=["routing"])
@requires(ADMIN)
def get_settings() -> Response[RoutingSettings]:
    found = ruleset.settings()
    return _json(found, version=found.version)  # type: ignore[return-value]


@router.put(
    "/v1/admin/routing",
    summary="Change how the rule set applies (first or all matches) and the default group",
    tags=["routing"],
)
@requires(ADMIN)
@answers(400, 412, 428)
def put_settings(body: SettingsIn, if_match: IfMatch = None) -> Response[RoutingSettings]:
    changed = ruleset.change_settings(body.mode, body.default_group, expected_version(if_match, "routing settings"))
    return _json(changed, version=changed.version)  # type: ignore[return-value]
