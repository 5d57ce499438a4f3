"""`GET /v1/search`: find tickets by number, requester, tag and words of the subject (the agent API's search box).

The query is read by `loket.core.domain.words.parse_query`; the index is the core data's (`loket.core.data.search`).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from loket.channels.agent_api import schemas as s
from loket.core import tickets as svc
from loket.core.auth import AGENT, current_scope, requires
from loket.core.data import search as index
from loket.core.domain.errors import TicketNotFound
from loket.core.domain.ticket import format_number
from loket.core.domain.words import parse_query
from loket.core.errors import answers

router = APIGatewayHttpRouter()

_HOW = (
    "`LKT-1042` or `1042` alone finds that ticket. Otherwise every term must match: words of the subject "
    "(Indonesian or English; case, accents and punctuation do not matter, common words such as `the` or `yang` are "
    "ignored), a requester's address (`rina@example.com`) and tags (`tag:vip` or `#vip`)."
)


@router.get(
    "/v1/search",
    summary="Search tickets by number, requester, tag and words of the subject, newest first",
    description=_HOW,
    tags=["tickets"],
)
@requires(AGENT)
@answers(400)
def search_tickets(
    q: Annotated[str, Query(min_length=1, max_length=200, description=_HOW)],
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[
        str | None, Query(max_length=512, pattern=r"^[A-Za-z0-9_-]+$", description="`next_cursor` of the page before")
    ] = None,
) -> s.TicketPage:
    query = parse_query(q)
    scope = current_scope(router)  # only tickets the caller may see: others are as if they did not exist
    if query.number is not None:
        if cursor:
            return s.TicketPage(items=[], next_cursor=None)
        try:
            found = svc.resolve(format_number(query.number), scope)
        except TicketNotFound:
            return s.TicketPage(items=[], next_cursor=None)
        return s.TicketPage(items=[s.TicketOut.of(found)], next_cursor=None)
    items, next_cursor = index.search(query, limit, cursor, scope)
    return s.TicketPage(items=[s.TicketOut.of(t) for t in items], next_cursor=next_cursor)
