"""One JSON error shape for every API, and the one map from domain errors to HTTP statuses.

{"error": {"code": "version_conflict", "message": "ticket ... was changed by someone else", "details": [...]}}
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from loket.core.domain import errors

STATUS_OF: dict[type[errors.LoketError], HTTPStatus] = {
    errors.TicketNotFound: HTTPStatus.NOT_FOUND,
    errors.AttachmentNotFound: HTTPStatus.NOT_FOUND,
    errors.VersionConflict: HTTPStatus.PRECONDITION_FAILED,
    errors.InvalidTransition: HTTPStatus.CONFLICT,
    errors.InvalidRequest: HTTPStatus.BAD_REQUEST,
    errors.PayloadTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    errors.Forbidden: HTTPStatus.FORBIDDEN,
    errors.Unauthorized: HTTPStatus.UNAUTHORIZED,
}


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


def domain_error_response(exc: errors.LoketError) -> Response[str]:
    status = next((s for kind, s in STATUS_OF.items() if isinstance(exc, kind)), HTTPStatus.BAD_REQUEST)
    return error_response(status, exc.code, str(exc))


def validation_error_response(raw_errors: list[dict[str, Any]]) -> Response[str]:
    """422 for a request that does not match its schema: every problem listed with where it is."""
    details = []
    for err in raw_errors:
        loc = [str(part) for part in err.get("loc", ())]
        details.append({"field": ".".join(loc), "problem": err.get("msg", "invalid"), "type": err.get("type", "")})
    if any(d["type"] == "json_invalid" for d in details):
        return error_response(HTTPStatus.BAD_REQUEST, "malformed_json", "the request body is not valid JSON")
    first = details[0] if details else {"field": "request", "problem": "invalid"}
    message = f"{first['field'] or 'request'}: {first['problem']}"
    if len(details) > 1:
        message += f" (and {len(details) - 1} more)"
    return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, "validation_error", message, details)
