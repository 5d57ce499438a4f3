"""Who is calling, and the one gate that decides whether they may call a route.

The HTTP API's JWT authorizer has already checked the token's signature, issuer, audience and expiry; the
function reads the claims and enforces roles. Roles come from Cognito groups and are ordered
`admin` > `lead` > `agent`: each has the rights of those below.

Every route declares what it needs with `@requires(...)` right under its route decorator:

    @router.get("/v1/agents")
    @requires(AGENT)
    def list_agents() -> ...:
        actor = current_actor(router)

`gate`, installed once on each resolver by `install_gate`, enforces it and denies by default: a route that
declares nothing answers 403. A route that needs a role and gets a request without claims answers 401 (in
AWS the authorizer answers that before the function runs; the gate does not rely on it). The gate hands the
caller to the route as `Actor` in the resolver's context (`current_actor`).

Group scope (`loket.core.domain.scope`) is the second field of `Requires`: `ticket` names the path parameter that
names a ticket (`{ticket}` unless a route says otherwise). Whenever the matched route has that parameter, the gate
reads the ticket and answers a caller whose scope does not cover it exactly like a ticket that does not exist
(404), before the route runs: no route can forget it. Lists and bulk actions take the caller's scope from
`current_scope(router)` (the directory's groups of the caller, read once per request, only when needed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from loket.core.domain.directory import RANK, ROLES
from loket.core.domain.errors import Forbidden, Unauthorized
from loket.core.domain.scope import Scope, scope_of
from loket.core.domain.ticket import Actor

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import Response
    from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
    from aws_lambda_powertools.event_handler.router import Router

F = TypeVar("F", bound=Callable[..., Any])
_MARK = "__loket_requires__"
_ACTOR = "actor"
_SCOPE = "scope"
_TICKET = "ticket"


@dataclass(frozen=True)
class Requires:
    """What a route needs: a role (None: public, anyone may call it), and the path parameter naming a ticket the
    caller must have in their group scope (when the route's path has it)."""

    role: str | None
    ticket: str | None = "ticket"

    def __post_init__(self) -> None:
        if self.role is not None and self.role not in RANK:
            raise ValueError(f"unknown role {self.role!r}: one of {', '.join(ROLES)}")

    @property
    def public(self) -> bool:
        return self.role is None


PUBLIC = Requires(None)
AGENT = Requires("agent")
LEAD = Requires("lead")
ADMIN = Requires("admin")


def requires(need: Requires) -> Callable[[F], F]:
    """Declare what a route needs; put it under the route decorator, so the route registers the marked function."""

    def mark(func: F) -> F:
        setattr(func, _MARK, need)
        return func

    return mark


def requirement_of(func: Callable[..., Any]) -> Requires | None:
    need = getattr(func, _MARK, None)
    return need if isinstance(need, Requires) else None


# --- roles ----------------------------------------------------------------------------------------


def _groups(raw: Any) -> list[str]:
    """API Gateway hands array claims to Lambda as a string such as "[admin agent]"."""
    if isinstance(raw, list):
        return [str(g) for g in raw]
    text = str(raw or "").strip().strip("[]")
    return [g.strip().strip('"') for g in text.replace(",", " ").split() if g.strip()]


def actor_from_claims(claims: dict[str, Any] | None) -> Actor:
    if not claims or not claims.get("sub"):
        raise Unauthorized("this route needs a valid agent token")
    groups = _groups(claims.get("cognito:groups"))
    role = next((r for r in ROLES if r in groups), "")
    if not role:
        raise Forbidden(f"the token belongs to none of the groups {', '.join(ROLES)}")
    email = str(claims.get("email") or claims.get("username") or "")
    return Actor(kind="agent", id=str(claims["sub"]), email=email, role=role)


def claims_of(event: dict[str, Any]) -> dict[str, Any] | None:
    context = event.get("requestContext") or {}
    claims = ((context.get("authorizer") or {}).get("jwt") or {}).get("claims")
    return claims if isinstance(claims, dict) else None


def has_role(actor: Actor, role: str) -> bool:
    return actor.kind == "agent" and RANK.get(actor.role, 0) >= RANK[role]


def authorize(need: Requires | None, event: dict[str, Any]) -> Actor | None:
    """The caller if `need` lets them in (None for a public route); raises Unauthorized or Forbidden."""
    if need is None:
        raise Forbidden("this route declares no access rule, so nobody may call it")
    if need.public:
        return None
    actor = actor_from_claims(claims_of(event))
    assert need.role is not None
    if not has_role(actor, need.role):
        raise Forbidden(f"this needs the role {need.role} (you are {actor.role})")
    return actor


# --- the gate on a resolver -----------------------------------------------------------------------


def route_requirement(app: ApiGatewayResolver) -> Requires | None:
    """What the route Powertools matched for the current request declares (None: nothing, or no route)."""
    route = app.context.get("_route")
    return requirement_of(route.func) if route is not None else None


def _matched(app: ApiGatewayResolver) -> bool:
    """Whether the request matched a registered route (for no match, Powertools runs its not-found handler as a
    route of its own through the middlewares)."""
    route = app.context.get("_route")
    return route is not None and any(route is r for r in (*app._static_routes, *app._dynamic_routes))


def gate(app: ApiGatewayResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Powertools middleware: the matched route's declaration decides; nothing declared is a 403."""
    if not _matched(app):  # Powertools' not-found answer: no route of ours runs
        return next_middleware(app)
    need = route_requirement(app)
    actor = authorize(need, app.current_event.raw_event)
    if actor is not None:
        app.append_context(**{_ACTOR: actor})
        params = app.current_event.get("pathParameters") or {}
        ref = params.get(need.ticket) if need is not None and need.ticket else None
        if ref is not None:
            from loket.core.data import tickets

            # out of scope: TicketNotFound, as if it did not exist; in scope, the route may use what was read
            app.append_context(**{_TICKET: tickets.resolve(ref, current_scope(app))})
    return next_middleware(app)


def denial(app: ApiGatewayResolver) -> Exception | None:
    """The gate's refusal of the current request, if any: a request the gate refuses gets that answer before
    any complaint about its body or parameters (Powertools validates requests before the middlewares run)."""
    if not _matched(app):
        return None
    try:
        authorize(route_requirement(app), app.current_event.raw_event)
    except (Unauthorized, Forbidden) as exc:
        return exc
    return None


def install_gate(app: ApiGatewayResolver) -> None:
    app.use(middlewares=[gate])


def current_actor(router: Router | ApiGatewayResolver) -> Actor:
    """The caller the gate let in (a route that needs a role only)."""
    actor = router.context.get(_ACTOR)
    if not isinstance(actor, Actor):
        raise Forbidden("this route runs without an authenticated caller")
    return actor


def scope_for(actor: Actor) -> Scope:
    """The caller's group scope: an admin's covers everything (no read); anyone else's their directory groups."""
    if has_role(actor, "admin"):
        return scope_of(actor.role, actor.id)
    from loket.core.data import directory

    found = directory.get_agent(actor.id)
    return scope_of(actor.role, actor.id, found.groups if found is not None else ())


def current_scope(router: Router | ApiGatewayResolver) -> Scope:
    """The group scope of the caller the gate let in, read once per request."""
    scope = router.context.get(_SCOPE)
    if isinstance(scope, Scope):
        return scope
    scope = scope_for(current_actor(router))
    router.append_context(**{_SCOPE: scope})
    return scope


def checked_ticket(router: Router | ApiGatewayResolver) -> Any:
    """The ticket (a `TicketItem`) the path names, as the gate read it when it checked the caller's scope."""
    ticket = router.context.get(_TICKET)
    if ticket is None:
        raise Forbidden("this route names no ticket the gate checked")
    return ticket


def declared_routes(app: ApiGatewayResolver) -> dict[tuple[str, str], Requires | None]:
    """Every route of a composed resolver, as (METHOD, /path/{param}), with what it declares."""
    routes = [*app._static_routes, *app._dynamic_routes]
    return {(route.method.upper(), route.openapi_path): requirement_of(route.func) for route in routes}
