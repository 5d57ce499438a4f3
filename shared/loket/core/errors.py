"""One JSON error shape for every API, and the one map from domain errors to HTTP statuses.

{"error": {"code": "version_conflict", "message": "ticket ... was changed by someone else", "details": [...]}}
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import Response, content_types

from loket.core.domain import errors

STATUS_OF: dict[type[errors.LoketError], HTTPStatus] = {
    errors.InvalidRequest: HTTPStatus.BAD_REQUEST,
    errors.Unauthorized: HTTPStatus.UNAUTHORIZED,
    errors.Forbidden: HTTPStatus.FORBIDDEN,
    errors.TicketNotFound: HTTPStatus.NOT_FOUND,
    errors.AttachmentNotFound: HTTPStatus.NOT_FOUND,
    errors.InvalidTransition: HTTPStatus.CONFLICT,
    errors.ReferenceNotFound: HTTPStatus.CONFLICT,
    errors.VersionConflict: HTTPStatus.PRECONDITION_FAILED,
    errors.PayloadTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    errors.PreconditionRequired: HTTPStatus.PRECONDITION_REQUIRED,
    errors.RateLimited: HTTPStatus.TOO_MANY_REQUESTS,
    errors.NotFound: HTTPStatus.NOT_FOUND,
    errors.Unprocessable: HTTPStatus.UNPROCESSABLE_ENTITY,
    errors.StillReferenced: HTTPStatus.CONFLICT,
    errors.AlreadyExists: HTTPStatus.CONFLICT,
    errors.StaleVersion: HTTPStatus.PRECONDITION_FAILED,
}
"""Every domain error has exactly one status (a unit test walks every LoketError subclass)."""

# DynamoDB refusing work because we send too much: the caller may retry after a moment (botocore has already
# retried with backoff before this surfaces)
THROTTLING_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "ThrottlingError",
})  # fmt: skip
THROTTLED_RETRY_AFTER = 2  # seconds


def status_of(exc: errors.LoketError) -> HTTPStatus:
    """The one status of a domain error (by its class, or the nearest mapped base class)."""
    for kind in type(exc).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]  # type: ignore[index]
    return HTTPStatus.BAD_REQUEST


def headers_of(exc: errors.LoketError) -> dict[str, str]:
    """Headers the status needs: Retry-After on a 429."""
    if isinstance(exc, errors.RateLimited):
        return {"Retry-After": str(max(1, exc.retry_after))}
    return {}


def _aws_error_codes(exc: BaseException) -> set[str]:
    """The AWS error codes an exception carries: botocore's ClientError, pynamodb's wrappers of it, and the
    reasons of a cancelled transaction."""
    codes: set[str] = set()
    seen: BaseException | None = exc
    while seen is not None:
        response = getattr(seen, "response", None)
        if isinstance(response, dict):
            codes.add(str((response.get("Error") or {}).get("Code") or ""))
            codes.update(str(r.get("Code") or "") for r in response.get("CancellationReasons") or [])
        cause_code = getattr(seen, "cause_response_code", None)
        if cause_code:
            codes.add(str(cause_code))
        reasons = getattr(seen, "cancellation_reasons", None)
        codes.update(str(getattr(r, "code", "") or "") for r in reasons or [] if r is not None)
        seen = seen.__cause__ or seen.__context__
    codes.discard("")
    return codes


def throttled(exc: BaseException) -> errors.RateLimited | None:
    """DynamoDB throttling as the domain's RateLimited (429 with Retry-After), or None for any other failure."""
    if _aws_error_codes(exc) & THROTTLING_CODES:
        return errors.RateLimited("of the ticket store", THROTTLED_RETRY_AFTER)
    return None


def error_response(
    status: int, code: str, message: str, details: list[Any] | None = None, headers: dict[str, str] | None = None
) -> Response[str]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return Response(
        status_code=int(status),
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"error": body}, default=str),
        headers=headers,
    )


def domain_error_response(exc: errors.LoketError, headers: dict[str, str] | None = None) -> Response[str]:
    return error_response(status_of(exc), exc.code, str(exc), headers={**headers_of(exc), **(headers or {})})


def validation_error_response(raw_errors: list[dict[str, Any]]) -> Response[str]:
    """422 for a request that does not match its schema: every problem listed with where it is."""
    details = []
    for err in raw_errors:
        loc = [str(part) for part in err.get("loc", ())]
        details.append({"field": ".".join(loc), "problem": err.get("msg", "invalid"), "type": err.get("type", "")})
    if any(d["type"] == "json_invalid" for d in details):
        return error_response(HTTPStatus.BAD_REQUEST, "malformed_json", "the request body is not valid JSON")
    return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, "validation_error", summary(details), details)


def summary(details: list[dict[str, Any]]) -> str:
    """One line for a list of problems: the first, and how many more."""
    first = details[0] if details else {"field": "request", "problem": "invalid"}
    message = f"{first['field'] or 'request'}: {first['problem']}"
    if len(details) > 1:
        message += f" (and {len(details) - 1} more)"
    return message


# --- what a route may answer, for the OpenAPI document -------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])
_ANSWERS = "__loket_answers__"


def expected_version(if_match: str | None, kind: str) -> int:
    """The version an If-Match header names (`"3"`, `3` or `W/"3"`) for a change of a `kind` (ticket, group, rule...):
    missing is PreconditionRequired (428), not a version is InvalidRequest (400)."""
    if if_match is None:
        raise errors.PreconditionRequired(f"send the {kind}'s version in If-Match (from its ETag) to change it")
    text = if_match.strip()
    text = text[2:] if text.startswith("W/") else text
    try:
        return int(text.strip('"'))
    except ValueError:
        raise errors.InvalidRequest(
            f'If-Match must be the {kind}\'s version, as in its ETag (for example "3")'
        ) from None


def answers(*statuses: int) -> Callable[[F], F]:
    """Declare the error statuses a route may answer beyond what its shape implies (401/403 from its role, 404 from a
    path parameter, 422 from parameters or a body, 415 from a JSON body, 429 always); under the route decorator,
    next to `@requires`. A route that answers 428 requires If-Match in the document."""

    def mark(func: F) -> F:
        setattr(func, _ANSWERS, tuple(sorted(set(statuses))))
        return func

    return mark


def answers_of(func: Callable[..., Any]) -> tuple[int, ...]:
    found = getattr(func, _ANSWERS, ())
    return found if isinstance(found, tuple) else ()
