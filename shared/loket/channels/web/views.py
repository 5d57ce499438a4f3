"""Requests of the public routes in, responses out. One function per route; the handler only dispatches.

Bad input never becomes a 500: a body we cannot read is a 400, one too large a 413, invalid fields a
422 (the form comes back with the errors and what was typed), too many requests a 429, a wrong or
missing status token a 404 like a ticket that does not exist.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from loket.channels.web import forms, render
from loket.channels.web.forms import HONEYPOT_FIELD, TOKEN_FIELD, BadBody, FieldError, FormData, Limits
from loket.channels.web.i18n import Translator, negotiate
from loket.channels.web.settings import WebSettings
from loket.core import status_links
from loket.core.domain.errors import LoketError, RateLimited, TicketNotFound, VersionConflict
from loket.core.domain.ticket import format_number
from loket.platform import config
from loket.platform.attachments import clean_filename
from loket.platform.observability import logger

HTML = "text/html; charset=utf-8"


def _transient() -> tuple[type[Exception], ...]:
    """Failures of AWS calls: the customer gets the page back with what they typed, and may send it again.

    Imported when a request fails, so that `GET /form` does not load botocore and pynamodb.
    """
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.exceptions import PynamoDBException

    return (BotoCoreError, ClientError, PynamoDBException, VersionConflict)


_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:\-]{1,100}$")


# --- the door: a request is read once ------------------------------------------------------------


@dataclass(frozen=True)
class WebRequest:
    """What the views need of one API Gateway event, read once when the request comes in.

    Header names are lower-case. `form` is the posted form of `POST /form` and `POST /status/...` (None when
    the body cannot be read); `t` is the page's translator, built once, in the language of the form's `lang`
    field, else `?lang=`, else `Accept-Language`, else the configured default.
    """

    headers: Mapping[str, str]
    query: Mapping[str, str]
    source_ip: str
    user_agent: str
    domain: str
    body: bytes | None  # None: not valid base64
    lang_hint: str = ""  # an explicit choice of language (form field or ?lang=)
    form: FormData | None = None
    form_problem: FieldError | None = None  # what stops the form (with the status it answers), e.g. 413
    form_status: int = HTTPStatus.OK

    def header(self, name: str) -> str:
        return self.headers.get(name, "")

    @property
    def token(self) -> str:
        """The status token of a status-page link (`?t=`)."""
        return self.query.get("t", "")

    @cached_property
    def t(self) -> Translator:
        lang = negotiate(self.lang_hint, self.header("accept-language"), config.load(WebSettings).default_language)
        return Translator(lang)

    def with_lang(self, explicit: str | None) -> WebRequest:
        """The same request with a language chosen in its body (the JSON twin's `lang`)."""
        return replace(self, lang_hint=explicit) if explicit else self


def read_request(event: APIGatewayProxyEventV2, settings: WebSettings, form: bool = False) -> WebRequest:
    """The door: read the event once. With `form`, the body is parsed as the posted form, too."""
    headers = {name.lower(): value or "" for name, value in (event.headers or {}).items()}
    query = dict(event.query_string_parameters or {})
    context = event.get("requestContext") or {}
    http = context.get("http") or {}
    try:
        body: bytes | None = _raw_body(event)
    except BadBody:
        body = None
    data: FormData | None = None
    problem: FieldError | None = None
    status: int = HTTPStatus.OK
    if form and body is not None:
        try:
            data, problem, status = _read_form(body, headers.get("content-type", ""), settings)
        except BadBody:
            data = None
    return WebRequest(
        headers=headers,
        query=query,
        source_ip=str(http.get("sourceIp") or ""),
        user_agent=str(http.get("userAgent") or headers.get("user-agent", "")),
        domain=str(context.get("domainName") or headers.get("host", "")),
        body=body,
        lang_hint=(data.get("lang") if data else "") or query.get("lang", ""),
        form=data,
        form_problem=problem,
        form_status=status,
    )


def _raw_body(event: APIGatewayProxyEventV2) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=False)
        except (binascii.Error, ValueError) as exc:
            raise BadBody("the body is not valid base64") from exc
    return body.encode("utf-8")


def limits_of(settings: WebSettings) -> Limits:
    return Limits(
        max_files=settings.web_max_attachments,
        max_file_bytes=settings.web_max_attachment_bytes,
        max_total_bytes=settings.web_max_body_bytes,
        categories=tuple(settings.web_categories),
    )


def _html(status: int, body: str, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(
        status_code=int(status),
        content_type=HTML,
        body=body,
        headers={**render.SECURITY_HEADERS, **(headers or {})},
    )


def _read_form(body: bytes, content_type: str, settings: WebSettings) -> tuple[FormData, FieldError | None, int]:
    """The posted form, and the problem that stops it (with its HTTP status) if any."""
    data = forms.parse_body(body, content_type)
    if len(body) > settings.web_max_body_bytes:
        data.files.clear()  # keep what was typed, drop the files
        error = FieldError("attachments", "err_body_too_large", (("size", settings.web_max_body_bytes),))
        return data, error, HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    return data, None, HTTPStatus.OK


def _check_token(data: FormData, settings: WebSettings, now: float) -> tuple[forms.FormToken | None, FieldError | None]:
    token = forms.read_token(data.get(TOKEN_FIELD))
    if token is None:
        return None, FieldError("form", "err_form_token")
    if now - token.issued_at > settings.web_form_max_age_seconds or token.issued_at > now + 60:
        return None, FieldError("form", "err_form_expired")
    return token, None


# --- the hosted form ----------------------------------------------------------------------------


def show_form(event: APIGatewayProxyEventV2) -> Response[str]:
    settings = config.load(WebSettings)
    req = read_request(event, settings)
    return _html(HTTPStatus.OK, render.form_page(req.t, {}, [], forms.issue_token(), limits_of(settings)))


def _form_again(t: Translator, status: int, values: dict[str, str], errors: list[FieldError]) -> Response[str]:
    page = render.form_page(t, values, errors, forms.issue_token(), limits_of(config.load(WebSettings)))
    return _html(status, page)


def submit_form(event: APIGatewayProxyEventV2) -> Response[str]:
    from loket.channels.web import web_form

    settings = config.load(WebSettings)
    now = time.time()
    req = read_request(event, settings, form=True)
    t, data, problem, status = req.t, req.form, req.form_problem, req.form_status
    if data is None:
        return _form_again(t, HTTPStatus.BAD_REQUEST, {}, [FieldError("form", "err_bad_body")])
    values = {name: data.get(name) for name in ("name", "email", "subject", "category", "message")}
    if data.get(HONEYPOT_FIELD).strip():
        web_form.record_honeypot("form")
        return _html(HTTPStatus.OK, render.thanks_page(t, None, None))
    if problem is not None:
        return _form_again(t, status, values, [problem])
    token, token_problem = _check_token(data, settings, now)
    form, errors = forms.validate_ticket(data, limits_of(settings))
    if token_problem is not None:
        return _form_again(t, HTTPStatus.BAD_REQUEST, values, [token_problem, *errors])
    if errors:
        return _form_again(t, HTTPStatus.UNPROCESSABLE_ENTITY, values, errors)
    assert token is not None
    submission = web_form.Submission(
        form=form,
        lang=t.lang,
        source_ip=req.source_ip,
        via="form",
        user_agent=req.user_agent,
        nonce=token.nonce,
        rendered_at=token.issued_at,
    )
    try:
        result = web_form.submit(submission, now=now)
    except RateLimited as exc:
        return rate_limited(t, exc)
    except _transient() as exc:
        logger.warning("ticket not created, form shown again", exc_info=exc)
        return _form_again(t, HTTPStatus.SERVICE_UNAVAILABLE, values, [FieldError("form", "err_try_again")])
    return _html(HTTPStatus.OK, render.thanks_page(t, int(result.ticket.number), result.token))


def rate_limited(t: Translator, exc: RateLimited) -> Response[str]:
    from loket.core.errors import headers_of, status_of

    minutes = max(1, -(-exc.retry_after // 60))
    body = render.message_page(t, "rate_title", t("rate_body", minutes=minutes))
    return _html(status_of(exc), body, headers_of(exc))


# --- the JSON twin ------------------------------------------------------------------------------


def _cors(req: WebRequest, settings: WebSettings) -> tuple[bool, dict[str, str]]:
    """(allowed, headers): requests without an Origin (servers) are allowed and get no CORS headers."""
    origin = req.header("origin").rstrip("/")
    if not origin:
        return True, {}
    if origin in settings.web_allowed_origins:
        return True, {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return False, {"Vary": "Origin"}


def public_preflight(event: APIGatewayProxyEventV2) -> Response[str]:
    """OPTIONS for the JSON endpoint (API Gateway answers it itself when the API has CORS configured)."""
    settings = config.load(WebSettings)
    allowed, headers = _cors(read_request(event, settings), settings)
    if allowed and headers:
        headers.update({
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "content-type, idempotency-key, accept-language",
            "Access-Control-Max-Age": "600",
        })  # fmt: skip
    return Response(status_code=HTTPStatus.NO_CONTENT, body="", headers=headers)


def _json_error(
    status: int, code: str, message: str, details: list[Any] | None = None, headers: dict[str, str] | None = None
) -> Response[str]:
    from loket.core.errors import error_response

    return error_response(status, code, message, details, headers=headers)


def _json(status: int, body: dict[str, Any], headers: dict[str, str]) -> Response[str]:
    return Response(
        status_code=int(status),
        content_type="application/json",
        body=json.dumps(body),
        headers={"Cache-Control": "no-store", **headers},
    )


def _base_url(req: WebRequest, settings: WebSettings) -> str:
    if settings.public_base_url:
        return settings.public_base_url
    scheme = req.header("x-forwarded-proto") or "https"
    return f"{scheme}://{req.domain}"


def _decode_attachments(payload: Any) -> tuple[list[forms.Upload], list[dict[str, str]]]:
    uploads, problems = [], []
    for index, item in enumerate(payload.attachments):
        try:
            data = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            problems.append({
                "field": f"attachments.{index}.content_base64", "problem": "is not valid base64", "type": "base64",
            })  # fmt: skip
            continue
        uploads.append(forms.Upload(clean_filename(item.filename), item.content_type, data))
    return uploads, problems


def submit_json(event: APIGatewayProxyEventV2) -> Response[str]:
    from pydantic import ValidationError

    from loket.channels.web import web_form
    from loket.channels.web.schemas import PublicTicketIn
    from loket.core.errors import validation_error_response

    settings = config.load(WebSettings)
    req = read_request(event, settings)
    allowed, cors = _cors(req, settings)
    if not allowed:
        return _json_error(HTTPStatus.FORBIDDEN, "origin_not_allowed", "this origin may not post tickets", headers=cors)
    media = req.header("content-type").split(";", 1)[0].strip().lower()
    if media != "application/json":
        return _json_error(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send the ticket as application/json",
            headers=cors,
        )  # fmt: skip
    body = req.body
    if body is None:
        return _json_error(HTTPStatus.BAD_REQUEST, "malformed_body", "the body is not valid base64", headers=cors)
    # base64 attachments inside JSON are a third larger than the files
    if len(body) > settings.web_max_body_bytes * 4 // 3 + 64 * 1024:
        size = Translator("en").size(settings.web_max_body_bytes)
        return _json_error(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "payload_too_large", f"the request is larger than {size}", headers=cors
        )
    try:
        payload = PublicTicketIn.model_validate_json(body)
    except ValidationError as exc:
        response = validation_error_response(json.loads(exc.json()))
        response.headers.update(cors)
        return response
    req = req.with_lang(payload.lang)
    t = req.t
    if payload.website.strip():
        web_form.record_honeypot("json")
        return _json(HTTPStatus.ACCEPTED, {"received": True}, cors)
    uploads, problems = _decode_attachments(payload)
    data = FormData(
        fields={"name": payload.name, "email": payload.email, "subject": payload.subject,
                "category": payload.category, "message": payload.message},
        files={"attachments": uploads},
    )  # fmt: skip
    form, errors = forms.validate_ticket(data, limits_of(settings))
    details = problems + [
        {"field": e.field, "problem": e.message(t), "type": e.code.removeprefix("err_")} for e in errors
    ]
    key = req.header("idempotency-key")
    if key and not _IDEMPOTENCY_KEY.match(key):
        details.append({
            "field": "Idempotency-Key", "problem": "use 1-100 letters, digits, '.', '_', ':' or '-'", "type": "pattern",
        })  # fmt: skip
    if details:
        from loket.core.errors import summary

        return _json_error(HTTPStatus.UNPROCESSABLE_ENTITY, "validation_error", summary(details), details, headers=cors)
    submission = web_form.Submission(
        form=form,
        lang=t.lang,
        source_ip=req.source_ip,
        via="json",
        user_agent=req.user_agent,
        nonce=key or None,
    )
    try:
        result = web_form.submit(submission)
    except RateLimited as exc:
        from loket.core.errors import domain_error_response

        return domain_error_response(exc, headers=cors)
    ticket = result.ticket
    number = format_number(int(ticket.number))
    status_url = status_links.url(_base_url(req, settings), int(ticket.number), result.token, t.lang)
    body_out = {
        "received": True,
        "ticket": {
            "number": number,
            "status": ticket.status,
            "created_at": ticket.created_at,
            "status_url": status_url,
        },
    }
    return _json(HTTPStatus.CREATED if result.created else HTTPStatus.OK, body_out, cors)


# --- the status page ----------------------------------------------------------------------------


def not_found(event: APIGatewayProxyEventV2) -> Response[str]:
    return _not_found(read_request(event, config.load(WebSettings)).t)


def _not_found(t: Translator) -> Response[str]:
    return _html(HTTPStatus.NOT_FOUND, render.message_page(t, "not_found_title", t("not_found_body")))


def error_page(event: APIGatewayProxyEventV2, exc: LoketError) -> Response[str]:
    """A domain error no view caught, as a page with its status from the one error map."""
    from loket.core.errors import headers_of, status_of

    t = read_request(event, config.load(WebSettings)).t
    if isinstance(exc, TicketNotFound):
        return _not_found(t)
    if isinstance(exc, RateLimited):
        return rate_limited(t, exc)
    status = status_of(exc)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return _unavailable(t)
    return _html(status, render.message_page(t, "unavailable_title", str(exc)), headers_of(exc))


def unavailable(event: APIGatewayProxyEventV2) -> Response[str]:
    return _unavailable(read_request(event, config.load(WebSettings)).t)


def _unavailable(t: Translator) -> Response[str]:
    body = render.message_page(t, "unavailable_title", t("unavailable_body"))
    return _html(HTTPStatus.SERVICE_UNAVAILABLE, body, {"Retry-After": "30"})


def show_status(event: APIGatewayProxyEventV2, ref: str) -> Response[str]:
    from loket.channels.web import web_form

    settings = config.load(WebSettings)
    req = read_request(event, settings)
    t = req.t
    try:
        view = web_form.status_view(ref, req.token)
    except TicketNotFound:
        return _not_found(t)
    notice = t("reply_sent") if req.query.get("sent") == "1" else ""
    page = render.status_page(t, view, forms.issue_token(), limits_of(settings), notice=notice)
    return _html(HTTPStatus.OK, page)


def post_status(event: APIGatewayProxyEventV2, ref: str) -> Response[str]:
    from loket.channels.web import web_form

    settings = config.load(WebSettings)
    now = time.time()
    req = read_request(event, settings, form=True)
    t, data, problem, status = req.t, req.form, req.form_problem, req.form_status
    try:
        ticket = web_form.open_ticket(ref, req.token)
    except TicketNotFound:
        return _not_found(t)

    def again(t: Translator, status: int, message: str, errors: list[FieldError]) -> Response[str]:
        view = web_form.status_view(ticket.ticket_id, web_form.status_token(ticket))
        page = render.status_page(t, view, forms.issue_token(), limits_of(settings), message=message, errors=errors)
        return _html(status, page)

    if data is None:
        return again(t, HTTPStatus.BAD_REQUEST, "", [FieldError("form", "err_bad_body")])
    message, uploads, errors = forms.validate_reply(data, limits_of(settings))
    if problem is not None:
        return again(t, status, message, [problem])
    token, token_problem = _check_token(data, settings, now)
    if token_problem is not None:
        return again(t, HTTPStatus.BAD_REQUEST, message, [token_problem, *errors])
    if errors:
        return again(t, HTTPStatus.UNPROCESSABLE_ENTITY, message, errors)
    assert token is not None
    try:
        result = web_form.reply(ticket, message, uploads, token.nonce, req.source_ip, now=now)
    except RateLimited as exc:
        return rate_limited(t, exc)
    except _transient() as exc:
        logger.warning("reply not added, status page shown again", exc_info=exc)
        return again(t, HTTPStatus.SERVICE_UNAVAILABLE, message, [FieldError("form", "err_try_again")])
    if result.follow_up:
        page = render.follow_up_page(t, int(ticket.number), int(result.ticket.number), result.token)
        return _html(HTTPStatus.OK, page)
    location = status_links.href(
        int(ticket.number), result.token, t.lang, **({} if result.duplicate else {"sent": "1"})
    )
    return _html(HTTPStatus.SEE_OTHER, "", {"Location": location})


def download_attachment(event: APIGatewayProxyEventV2, ref: str, entry_id: str, index: str) -> Response[str]:
    from loket.channels.web import web_form

    req = read_request(event, config.load(WebSettings))
    if not index.isdigit() or len(index) > 3 or len(entry_id) > 64:
        return _not_found(req.t)
    try:
        url = web_form.attachment_link(ref, req.token, entry_id, int(index))
    except TicketNotFound:
        return _not_found(req.t)
    return Response(status_code=HTTPStatus.FOUND, body="", headers={"Location": url, **render.SECURITY_HEADERS})
