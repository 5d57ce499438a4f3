"""The agent API's routes (/v1): a Powertools Router, composed into a resolver by `loket.channels.agent_api.api`.

Every route declares who may call it (`@requires`, loket.core.auth); the gate enforces it and hands the route
the caller (`current_actor(router)`).
"""

from __future__ import annotations

import base64
from enum import StrEnum
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from loket.channels.agent_api import schemas as s
from loket.channels.agent_api import uploads
from loket.core import tickets as svc
from loket.core.auth import ADMIN, AGENT, PUBLIC, checked_ticket, current_actor, current_scope, requires
from loket.core.data import tickets as repo
from loket.core.domain.errors import InvalidRequest
from loket.core.domain.ticket import Actor, Channel, EntryKind, Priority, Status, normalize_email
from loket.core.errors import answers, expected_version
from loket.platform import config
from loket.platform.observability import TICKET_CREATED, count

TicketRef = Annotated[str, Path(description="Ticket id or number such as LKT-1042", max_length=64)]
EntryRef = Annotated[str, Path(description="Entry id, from the conversation", max_length=64)]
AttachmentIndex = Annotated[int, Path(description="Position in the entry's attachments, from 0", ge=0, le=999)]

router = APIGatewayHttpRouter()


@router.get("/v1/docs", include_in_schema=False)
@requires(PUBLIC)
def swagger_ui() -> Response[str]:
    """Swagger UI on this API's document, with the assets Powertools bundles (nothing from a CDN).

    Not `app.enable_swagger()`: that imports Powertools' OpenAPI models at cold start (about 0.1 s) for a page
    agents rarely open; here they load on the first visit.
    """
    import pathlib

    from aws_lambda_powertools import event_handler
    from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

    assets = pathlib.Path(event_handler.__file__).parent / "openapi" / "swagger_ui"
    js = (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8")
    css = (assets / "swagger-ui.min.css").read_text(encoding="utf-8")
    from loket.channels.agent_api.api import openapi_json

    assert isinstance(router.api_resolver, ApiGatewayResolver)
    spec = openapi_json(router.api_resolver).replace("</", "<\\/")  # no "</script>" can end the inline document early
    return Response(200, "text/html", generate_swagger_html(spec, js, css, "", None))


# --- helpers --------------------------------------------------------------------------------------


def _etag(version: int) -> str:
    return f'"{version}"'


def _ticket_response(ticket: Any, status: int = 200, with_sla: bool = False) -> Response[s.TicketOut]:
    out = s.TicketOut.of(ticket)
    if with_sla:  # one GetItem of the ticket's SLA item (the SLA consumer writes it)
        from loket.core.data import sla

        state = sla.get_state(ticket.ticket_id)
        if state is not None and state.clocks:
            out.sla = s.SlaOut.of(dict(state.clocks))
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=out,
        headers={"ETag": _etag(out.version)},
    )


# --- routes ---------------------------------------------------------------------------------------


@router.get("/v1/health", summary="Liveness check (no token needed)", tags=["meta"])
@requires(PUBLIC)
def health() -> s.Health:
    return s.Health(status="ok", service="loket")


@router.get("/v1/openapi.json", summary="This API's OpenAPI document", tags=["meta"], include_in_schema=False)
@requires(PUBLIC)
def openapi_document() -> Response[str]:
    from loket.channels.agent_api.api import openapi_json

    assert isinstance(router.api_resolver, ApiGatewayResolver)
    return Response(
        status_code=200, content_type=content_types.APPLICATION_JSON, body=openapi_json(router.api_resolver)
    )


@router.get("/v1/agents", summary="The agents of the directory, sorted by email", tags=["agents"])
@requires(AGENT)
def list_agents() -> s.AgentList:
    from loket.core import directory

    return s.AgentList(
        items=[
            s.AgentOut(
                id=a.agent_id,
                email=a.email,
                name=a.name,
                role=a.role,
                groups=list(a.groups),
                availability=a.availability.value,
                capacity=a.capacity,
            )
            for a in directory.agents()
        ]
    )


@router.post(
    "/v1/tickets",
    summary="Open a ticket on a customer's behalf",
    tags=["tickets"],
    responses={201: {"description": "Created"}, 200: {"description": "Replayed: this Idempotency-Key made it"}},
)
@requires(AGENT)
@answers(400)
def create_ticket(
    body: s.TicketCreate,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="idempotency-key",
            description="Retries with the same key return the first ticket instead of making another.",
            max_length=100,
        ),
    ] = None,
) -> Response[s.TicketOut]:
    actor = current_actor(router)
    new = svc.NewTicket(
        subject=body.subject,
        body_text=body.body,
        requester_email=str(body.requester.email),
        requester_name=body.requester.name,
        channel=Channel.API,
        priority=body.priority,
        group=body.group,
        assignee=body.assignee,
        tags=body.tags,
        ticket_type=body.type,
        custom_fields=body.custom_fields,
        cc=[str(c) for c in body.cc],
    )
    customer = Actor(kind="customer", id=new.requester_email, email=new.requester_email)
    client_key = f"api:{actor.id}:{idempotency_key}" if idempotency_key else None
    ticket, created = svc.create_ticket(new, customer, client_key=client_key)
    if created:
        count(TICKET_CREATED, channel=Channel.API.value)
    return _ticket_response(ticket, 201 if created else 200)


class View(StrEnum):
    MINE = "mine"
    UNASSIGNED = "unassigned"
    GROUP = "group"


LIST_DESCRIPTION = (
    "Queue views, each read from an index: `view=mine` (assigned to you), `view=unassigned` (waiting tickets "
    "nobody is assigned: new, open, pending, on hold; per group, most urgent and oldest first), `view=group` "
    "(one group's queue with `group=`, else each of your groups), or no view (by `status=`, or every status). "
    "The other parameters filter. Every list holds only the tickets you may see: an admin's every ticket, a lead's "
    "or an agent's those of their groups and those assigned to them. A group outside yours is not an error: it "
    "lists the tickets of it assigned to you (often none), so a list reveals nothing about other groups."
)


@router.get(
    "/v1/tickets",
    summary="List tickets (queue views) with filters and a cursor",
    description=LIST_DESCRIPTION,
    tags=["tickets"],
)
@requires(AGENT)
@answers(400)
def list_tickets(
    view: Annotated[View | None, Query(description="mine, unassigned or group; leave out for every view")] = None,
    status: Annotated[Status | None, Query()] = None,
    priority: Annotated[Priority | None, Query()] = None,
    group: Annotated[str | None, Query(max_length=64)] = None,
    assignee: Annotated[str | None, Query(max_length=64, description="An agent id, or `me`")] = None,
    requester: Annotated[str | None, Query(max_length=254)] = None,
    tag: Annotated[str | None, Query(max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-:.]*$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[
        str | None, Query(max_length=2048, pattern=r"^[A-Za-z0-9_-]+$", description="`next_cursor` of the page before")
    ] = None,
) -> s.TicketPage:
    actor = current_actor(router)
    scope = current_scope(router)
    who = actor.id if assignee == "me" else assignee
    if view is View.MINE:
        if who is not None and who != actor.id:
            raise InvalidRequest("view=mine lists your own tickets: leave out assignee")
        who = actor.id
    if view is View.UNASSIGNED and who is not None:
        raise InvalidRequest("view=unassigned lists tickets nobody is assigned: leave out assignee")
    all_groups: tuple[str, ...] = ()
    if view is View.UNASSIGNED and group is None and scope.everything:
        from loket.core import directory
        from loket.core.data.settings import DataSettings

        all_groups = (*(g.name for g in directory.groups()), config.load(DataSettings).default_group)
    flt = repo.TicketFilter(
        status=status.value if status else None,
        priority=priority.value if priority else None,
        group=group,
        assignee=who,
        requester=normalize_email(requester) if requester else None,
        tag=tag.strip().lower() if tag else None,
        unassigned=view is View.UNASSIGNED,
        scope=scope,
        all_groups=all_groups,
    )
    items, next_cursor = repo.list_tickets(flt, limit, cursor)
    return s.TicketPage(items=[s.TicketOut.of(t) for t in items], next_cursor=next_cursor)


@router.post(
    "/v1/tickets/bulk",
    summary="Assign or move several tickets at once: a result per ticket",
    description=(
        "Each ticket is changed on its own (its own audit entries and events), on the version it has now; the "
        "answer lists, in the order sent, what became of each: `changed`, `unchanged`, `not_found` (no such "
        "ticket, or one outside your groups: the two are not told apart), `invalid_transition` (a closed ticket) "
        "or `conflict` (it kept changing meanwhile)."
    ),
    tags=["tickets"],
)
@requires(AGENT)
@answers(400)
def bulk_change(body: s.BulkChange) -> s.BulkResults:
    actor = current_actor(router)
    changes = body.model_dump(exclude_unset=True, exclude={"tickets"})
    outcomes = svc.change_many(body.tickets, changes, actor, current_scope(router))
    return s.BulkResults(
        items=[
            s.BulkResult(
                ticket=o.ref,
                outcome=o.outcome,
                message=o.message,
                result=s.TicketOut.of(o.ticket) if o.ticket is not None and o.outcome != "not_found" else None,
            )
            for o in outcomes
        ]
    )


@router.get("/v1/tickets/<ticket>", summary="Read one ticket", tags=["tickets"])
@requires(AGENT)
def get_ticket(ticket: TicketRef) -> Response[s.TicketOut]:
    return _ticket_response(checked_ticket(router), with_sla=True)


@router.patch(
    "/v1/tickets/<ticket>",
    summary="Change subject, status, priority, assignee, group, tags, type, fields, CCs",
    tags=["tickets"],
)
@requires(AGENT)
@answers(400, 409, 412, 428)
def patch_ticket(
    ticket: TicketRef,
    body: s.TicketPatch,
    if_match: Annotated[str | None, Header(alias="if-match", description="The version from the ETag")] = None,
) -> Response[s.TicketOut]:
    actor = current_actor(router)
    version = expected_version(if_match, "ticket")
    changes = body.model_dump(exclude_unset=True)
    if "type" in changes:
        changes["ticket_type"] = changes.pop("type")
    for name in ("status", "priority"):  # the schema refuses null for these (422)
        if name in changes:
            changes[name] = getattr(body, name).value
    if not changes:
        raise InvalidRequest("nothing to change: send at least one field")
    return _ticket_response(svc.update_ticket(ticket, version, changes, actor))


@router.get(
    "/v1/tickets/<ticket>/conversation",
    summary="The conversation, oldest first (notes included)",
    tags=["conversation"],
)
@requires(AGENT)
def list_conversation(ticket: TicketRef) -> s.EntryList:
    found = checked_ticket(router)
    return s.EntryList(items=[s.EntryOut.of(e) for e in repo.list_entries(found.ticket_id)])


@router.get(
    "/v1/tickets/<ticket>/conversation/<entry>/attachments/<index>",
    summary="A short-lived link that downloads one attachment of an entry",
    tags=["conversation"],
)
@requires(AGENT)
def attachment_link(ticket: TicketRef, entry: EntryRef, index: AttachmentIndex) -> Response[s.AttachmentLink]:
    found = svc.attachment_download(checked_ticket(router), entry, index)
    a, url, expires_in = found.attachment, found.url, found.expires_in
    out = s.AttachmentLink(
        filename=a.filename, content_type=a.content_type, size=int(a.size), url=url, expires_in=expires_in
    )
    # the link is a credential for a while: no cache keeps it
    return Response(200, content_types.APPLICATION_JSON, out, headers={"Cache-Control": "no-store"})


def _entry_response(result: svc.EntryResult) -> Response[s.EntryCreated]:
    out = s.EntryCreated(ticket=s.TicketOut.of(result.ticket), entry=s.EntryOut.of(result.entry))
    return Response(
        status_code=201,
        content_type=content_types.APPLICATION_JSON,
        body=out,
        headers={"ETag": _etag(out.ticket.version)},
    )


@router.post(
    "/v1/uploads",
    summary="Upload a file to attach to a reply or note: the raw bytes are the request body (at most 4 MB)",
    tags=["conversation"],
    status_code=201,
    response_description="Uploaded: name its key in a reply or note",
)
@requires(AGENT)
@answers(400, 413)
def create_upload(
    filename: Annotated[str, Query(min_length=1, max_length=300, description="The file's name as mailed")],
    content_type: Annotated[
        str, Query(max_length=200, pattern=r"^[A-Za-z0-9_.+-]+/[A-Za-z0-9_.+-]+$", description="The file's media type")
    ] = "application/octet-stream",
) -> Response[s.UploadOut]:
    actor = current_actor(router)
    event = router.current_event
    raw = event.body or ""
    try:
        data = base64.b64decode(raw, validate=True) if event.is_base64_encoded else raw.encode("utf-8")
    except ValueError:
        raise InvalidRequest("the body is marked base64 but is not") from None
    ref = uploads.upload(data, filename, content_type, actor)
    out = s.UploadOut(key=ref.key, filename=ref.filename, content_type=ref.content_type, size=ref.size)
    return Response(201, content_types.APPLICATION_JSON, out)


@router.post(
    "/v1/tickets/<ticket>/replies",
    summary="Add a public reply (mailed to the requester)",
    tags=["conversation"],
    status_code=201,
    response_description="Added",
)
@requires(AGENT)
@answers(400, 409, 412, 413)
def add_reply(ticket: TicketRef, body: s.ReplyCreate) -> Response[s.EntryCreated]:
    actor = current_actor(router)
    files = uploads.for_entry(body.attachments, actor)
    result = svc.add_entry(
        ticket, svc.NewEntry(EntryKind.PUBLIC_REPLY, actor, body.body, attachments=files, channel=Channel.API)
    )
    if body.status is not None and body.status.value != result.ticket.status:
        updated = svc.update_ticket(
            result.ticket.ticket_id, int(result.ticket.version), {"status": body.status.value}, actor
        )
        result = svc.EntryResult(updated, result.entry)
    return _entry_response(result)


@router.post(
    "/v1/tickets/<ticket>/notes",
    summary="Add an internal note (never shown to customers)",
    tags=["conversation"],
    status_code=201,
    response_description="Added",
)
@requires(AGENT)
@answers(400, 409, 412, 413)
def add_note(ticket: TicketRef, body: s.NoteCreate) -> Response[s.EntryCreated]:
    actor = current_actor(router)
    files = uploads.for_entry(body.attachments, actor)
    return _entry_response(
        svc.add_entry(ticket, svc.NewEntry(EntryKind.INTERNAL_NOTE, actor, body.body, attachments=files))
    )


@router.get("/v1/tickets/<ticket>/audit", summary="Every change: who, what, old, new, when", tags=["tickets"])
@requires(AGENT)
def list_audit(ticket: TicketRef) -> s.AuditList:
    found = checked_ticket(router)
    return s.AuditList(items=[s.AuditOut.of(a) for a in repo.list_audit(found.ticket_id)])


@router.post("/v1/tickets/<ticket>/merge", summary="Merge this ticket into another (admins only)", tags=["tickets"])
@requires(ADMIN)
@answers(400, 409, 412)
def merge_ticket(ticket: TicketRef, body: s.MergeRequest) -> Response[s.TicketOut]:
    actor = current_actor(router)
    return _ticket_response(svc.merge(ticket, body.into, actor, current_scope(router)))


@router.post("/v1/tickets/<ticket>/release", summary="Release a quarantined ticket into the queue", tags=["tickets"])
@requires(AGENT)
@answers(409, 412)
def release_ticket(ticket: TicketRef) -> Response[s.TicketOut]:
    actor = current_actor(router)
    return _ticket_response(svc.release(ticket, actor))
