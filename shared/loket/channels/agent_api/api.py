"""The agent API as one resolver: its routers, the auth gate and the JSON error map; and its OpenAPI document.

`functions/agent_api` composes the routers it serves (this channel's and the features' admin and ticket routes)
with `build_app(*routers)`; `make openapi` prints `openapi_document` of that same resolver, so the committed
document describes exactly what the function serves.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver, Router
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from loket.core import auth
from loket.core.domain.errors import LoketError
from loket.core.errors import (
    answers_of,
    domain_error_response,
    error_response,
    throttled,
    validation_error_response,
)
from loket.platform.observability import logger

TITLE = "Loket agent API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Agents work tickets here. Every route but /v1/health, /v1/openapi.json and /v1/docs needs a bearer JWT "
    "from the agent user pool; roles are the Cognito groups, ordered `admin` > `lead` > `agent` (each has the "
    "rights of those below), and each operation says the role it needs. Errors share one shape: "
    '`{"error": {"code": ..., "message": ..., "details": [...]}}`. Changes to a ticket need its version in '
    "`If-Match` (from the `ETag` or `version` of the last read); a stale one answers 412, a missing one 428."
)
# plain data, validated into Powertools' OpenAPI models only when the document is built: importing those models
# at cold start costs about 0.3 s
SECURITY_SCHEMES: dict[str, Any] = {
    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "Cognito ID token of an agent"}
}


def build_app(*routers: Router) -> APIGatewayHttpResolver:
    """A resolver serving `routers` behind the one gate, errors in one shape (`functions/agent_api` passes the
    agent routes of this channel and of the features)."""
    app = APIGatewayHttpResolver(enable_validation=True)
    for router in routers:
        app.include_router(router)
    install(app)
    return app


def install(app: APIGatewayHttpResolver) -> None:
    """The gate and the JSON error map on a resolver (any router composed into it is covered)."""
    auth.install_gate(app)

    @app.exception_handler(LoketError)
    def _domain_error(exc: LoketError) -> Response[str]:
        return domain_error_response(exc)

    @app.exception_handler(RequestValidationError)
    def _validation_error(exc: RequestValidationError) -> Response[str]:
        # Powertools validates the request before the middlewares run: the gate's refusal comes first
        denied = auth.denial(app)
        if isinstance(denied, LoketError):
            return domain_error_response(denied)
        return validation_error_response(list(exc.errors()))

    def unsupported_media_type() -> Response[str]:
        denied = auth.denial(app)
        if isinstance(denied, LoketError):
            return domain_error_response(denied)
        kind = app.current_event.headers.get("content-type", "")
        return error_response(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            f"send the body as application/json, not {kind}",
        )

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported_media_type(_exc: RequestUnsupportedContentType) -> Response[str]:
        return unsupported_media_type()

    @app.exception_handler(ValueError)
    def _value_error(exc: ValueError) -> Response[str]:
        # Powertools parses a multipart body before validating it, and a multipart Content-Type without a boundary
        # fails that parse with a bare ValueError; no route here takes multipart
        if app.current_event.headers.get("content-type", "").strip().lower().startswith("multipart/"):
            return unsupported_media_type()
        return unexpected(exc)

    @app.not_found
    def _not_found(_exc: Exception) -> Response[str]:
        return error_response(HTTPStatus.NOT_FOUND, "route_not_found", "no such route")

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[str]:
        return unexpected(exc)

    def unexpected(exc: Exception) -> Response[str]:
        limited = throttled(exc)
        if limited is not None:
            logger.warning("throttled by AWS", exc_info=exc)
            return domain_error_response(limited)
        logger.exception("unhandled error")
        return error_response(HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "something went wrong on our side")


# --- the document ---------------------------------------------------------------------------------

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["version_conflict"]},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}
# what API Gateway answers itself, before the function runs (a missing or invalid token: 401; its throttling: 429)
GATEWAY_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"type": "string", "examples": ["Unauthorized"]}},
}
_FROM_GATEWAY = (401, 429)
_WHY = {
    400: "Malformed JSON, a bad parameter, or a request the ticket's state refuses (an upload that is not yours, a "
    "cursor this list did not hand out, a change that changes nothing)",
    401: 'No valid agent token: API Gateway\'s JWT authorizer answers `{"message": "Unauthorized"}`, the function '
    "(a token without a subject) the error shape",
    403: "The token's role is below the one this route needs",
    404: "No such ticket, entry, attachment or object (the one the path names)",
    409: "A transition the status flow forbids, the body names something that does not exist (the ticket to "
    "merge into, an upload): `reference_not_found`, or a deletion of something still referenced: `still_referenced`",
    412: "Stale version in If-Match: someone changed the ticket or object since you read it",
    413: "A file, or the files of an entry, over the caps",
    415: "A body that is not application/json",
    422: "Fields that do not match the schema, or content that cannot be accepted (the message says why)",
    428: "If-Match is missing",
    429: "Throttled: retry after the seconds in Retry-After (API Gateway's own throttling answers "
    '`{"message": "Too Many Requests"}` without it)',
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}
# what a route may answer besides success comes from its `@answers(...)`, beyond what every route may (429) and
# what follows from its shape (401 and 403 when it needs a role, 404 when the path names something, 422 when it
# takes parameters or a body)
_UPLOAD = ("POST", "/v1/uploads")


def openapi_document(app: ApiGatewayResolver) -> dict[str, Any]:
    """Powertools' document, completed from the routes' declarations: security and 401/403 only where the gate
    asks for a role, every error status with the error shape, If-Match required, the upload's body."""
    spec: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(
            title=TITLE,
            version=VERSION,
            description=DESCRIPTION,
            security_schemes=SECURITY_SCHEMES,  # type: ignore[arg-type]
        )
    )
    declared = auth.declared_routes(app)
    more = {
        (route.method.upper(), route.openapi_path): answers_of(route.func)
        for route in (*app._static_routes, *app._dynamic_routes)
    }
    spec["components"]["schemas"]["Error"] = ERROR_SCHEMA
    spec["components"]["schemas"]["GatewayError"] = GATEWAY_ERROR_SCHEMA
    spec["components"]["schemas"].pop("HTTPValidationError", None)
    spec["components"]["schemas"].pop("ValidationError", None)
    _exact_keys(spec["components"]["schemas"])
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            key = (method.upper(), path)
            need = declared.get(key)
            statuses = {429, *more.get(key, ())}
            if need is None or not need.public:
                op["security"] = [{"bearer": []}]
                statuses |= {401, 403}
                role = need.role if need is not None else "nobody"
                op["description"] = (op.get("description", "") + f"\n\nNeeds the role `{role}` or above.").strip()
            if "{" in path:
                statuses.add(404)
            if "application/json" in (op.get("requestBody") or {}).get("content", {}):
                statuses.add(415)
            if op.get("parameters") or op.get("requestBody") or key == _UPLOAD:
                statuses.add(422)
            else:  # Powertools lists a 422 on every route; nothing to validate, nothing to refuse
                op["responses"].pop("422", None)
            for status in sorted(statuses):
                schema: dict[str, Any] = {"$ref": "#/components/schemas/Error"}
                if status in _FROM_GATEWAY:
                    schema = {"anyOf": [schema, {"$ref": "#/components/schemas/GatewayError"}]}
                response: dict[str, Any] = {
                    "description": _WHY[status],
                    "content": {"application/json": {"schema": schema}},
                }
                if status == 429:
                    response["headers"] = _RETRY_AFTER
                op["responses"][str(status)] = response
            if 428 in statuses:
                for param in op.get("parameters", []):
                    if param["in"] == "header" and param["name"] == "if-match":
                        param["required"] = True
                        param["schema"] = {"type": "string", "pattern": r'^(W/)?"?[0-9]{1,18}"?$', "title": "If-Match"}
            if key == _UPLOAD:
                op["requestBody"] = {
                    "required": True,
                    "description": "The file's raw bytes (not empty, at most 4 MB)",
                    "content": {
                        "application/octet-stream": {"schema": {"type": "string", "format": "binary", "minLength": 1}}
                    },
                }
    return spec


def _exact_keys(node: Any) -> None:
    """pydantic renders a dict with constrained keys as `patternProperties` and leaves any other key open; the API
    refuses such keys (422), so the document closes them: the pattern goes into `propertyNames`."""
    if isinstance(node, dict):
        patterns = list(node.get("patternProperties") or {})
        if len(patterns) == 1 and isinstance(node.get("propertyNames"), dict):
            node["propertyNames"]["pattern"] = patterns[0]
            node["additionalProperties"] = False
        for value in node.values():
            _exact_keys(value)
    elif isinstance(node, list):
        for value in node:
            _exact_keys(value)


def openapi_json(app: ApiGatewayResolver) -> str:
    return json.dumps(openapi_document(app), sort_keys=True)
