"""Who is calling: the claims the HTTP API's JWT authorizer verified, turned into an Actor.

The authorizer has already checked the signature, issuer, audience and expiry; the handler only reads
the claims and enforces roles. Roles come from Cognito groups (`agent`, `admin`).
"""

from __future__ import annotations

from typing import Any

from loket.core.domain.errors import Forbidden, Unauthorized
from loket.core.domain.ticket import Actor

ROLES = ("admin", "agent")  # strongest first


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
        raise Forbidden("the token belongs to no agent or admin group")
    email = str(claims.get("email") or claims.get("username") or "")
    return Actor(kind="agent", id=str(claims["sub"]), email=email, role=role)


def actor_from_event(event: dict[str, Any]) -> Actor:
    context = event.get("requestContext") or {}
    claims = ((context.get("authorizer") or {}).get("jwt") or {}).get("claims")
    return actor_from_claims(claims)


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only an admin may do this")
