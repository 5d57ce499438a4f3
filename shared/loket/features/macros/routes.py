"""The macro routes: admins keep the macros (`/v1/admin/macros`), agents list them and apply one to a ticket.

Changes name the version they change in If-Match (428 without, 412 when stale): a macro's for PUT and DELETE, the
ticket's for applying.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Header, Path
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from loket.core.auth import ADMIN, AGENT, checked_ticket, current_actor, requires
from loket.core.domain.errors import Unprocessable
from loket.core.domain.ticket import Priority, Status, format_number
from loket.core.errors import answers, expected_version
from loket.features.macros import schemas as s
from loket.features.macros import store
from loket.features.macros.apply import apply_macro
from loket.features.macros.macro import Macro, problems_of

router = APIGatewayHttpRouter()

MacroRef = Annotated[str, Path(description="The macro's id", max_length=64)]
TicketRef = Annotated[str, Path(description="Ticket id or number such as LKT-1042", max_length=64)]
IfMatch = Annotated[str | None, Header(alias="if-match", description="The version from the ETag")]


def _macro_response(macro: Macro, status: int = 200) -> Response[s.MacroOut]:
    out = s.MacroOut.of(macro)
    return Response(status, content_types.APPLICATION_JSON, out, headers={"ETag": f'"{out.version}"'})


def _checked(macro: Macro) -> Macro:
    problems = problems_of(macro)
    if problems:
        raise Unprocessable("; ".join(problems))
    return macro


# --- admins -------------------------------------------------------------------------------------------


@router.get("/v1/admin/macros", summary="Every macro, by name", tags=["macros"])
@requires(ADMIN)
def list_macros_admin() -> s.MacroList:
    return s.MacroList(items=[s.MacroOut.of(m) for m in store.all_macros()])


@router.post(
    "/v1/admin/macros",
    summary="Create a macro",
    tags=["macros"],
    status_code=201,
    response_description="Created",
)
@requires(ADMIN)
@answers(400)
def create_macro(body: s.MacroIn) -> Response[s.MacroOut]:
    actor = current_actor(router)
    macro = _checked(body.macro(uuid.uuid4().hex))
    return _macro_response(store.save(macro, None, actor.id), 201)


@router.get("/v1/admin/macros/<macro>", summary="Read one macro", tags=["macros"])
@requires(ADMIN)
def get_macro(macro: MacroRef) -> Response[s.MacroOut]:
    return _macro_response(store.get(macro))


@router.put("/v1/admin/macros/<macro>", summary="Replace a macro", tags=["macros"])
@requires(ADMIN)
@answers(400, 412, 428)
def put_macro(macro: MacroRef, body: s.MacroIn, if_match: IfMatch = None) -> Response[s.MacroOut]:
    actor = current_actor(router)
    version = expected_version(if_match, "macro")
    store.get(macro)  # 404 before any complaint about the body's content
    return _macro_response(store.save(_checked(body.macro(macro)), version, actor.id))


@router.delete(
    "/v1/admin/macros/<macro>",
    summary="Delete a macro",
    tags=["macros"],
    status_code=204,
    response_description="Deleted",
)
@requires(ADMIN)
@answers(400, 412, 428)
def delete_macro(macro: MacroRef, if_match: IfMatch = None) -> Response[None]:
    version = expected_version(if_match, "macro")
    store.delete(macro, version)
    return Response(204, None, None)


# --- agents -------------------------------------------------------------------------------------------


@router.get("/v1/macros", summary="The macros an agent may apply, by name", tags=["macros"])
@requires(AGENT)
def list_macros() -> s.MacroList:
    return s.MacroList(items=[s.MacroOut.of(m) for m in store.all_macros()])


@router.post(
    "/v1/tickets/<ticket>/macros/<macro>",
    summary="Apply a macro: its reply or note and its field changes, as one change of the ticket",
    tags=["macros"],
    status_code=201,
    response_description="Applied",
)
@requires(AGENT)
@answers(400, 409, 412, 428)
def apply(ticket: TicketRef, macro: MacroRef, if_match: IfMatch = None) -> Response[s.MacroApplied]:
    actor = current_actor(router)
    version = expected_version(if_match, "ticket")
    domain = str(router.current_event.request_context.domain_name or "")
    # the gate read the ticket and checked it is in the caller's scope (404 otherwise)
    result = apply_macro(checked_ticket(router), macro, version, actor, f"https://{domain}" if domain else "")
    t = result.ticket
    out = s.MacroApplied(
        macro=macro,
        entry_id=result.entry.entry_id,
        kind=s.MacroKind(result.entry.kind),
        body=result.entry.body_text,
        ticket=s.TicketState(
            id=t.ticket_id,
            number=format_number(int(t.number)),
            status=Status(t.status),
            priority=Priority(t.priority),
            tags=list(t.tags or []),
            version=int(t.version),
        ),
    )
    return Response(201, content_types.APPLICATION_JSON, out, headers={"ETag": f'"{out.ticket.version}"'})
