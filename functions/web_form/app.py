"""Public routes of the HTTP API: the hosted form, its JSON twin and the customer's status page."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from loket.channels.web.settings import WebSettings
from loket.core.data.models import bind_data
from loket.core.data.settings import DataSettings
from loket.platform import config
from loket.platform.config import AttachmentSettings, AwsSettings, SigningSettings
from loket.platform.observability import logger, metrics

# read and validated on the first invocation: a missing or malformed variable fails it, naming the variable
SETTINGS = (AwsSettings, DataSettings, WebSettings, AttachmentSettings, SigningSettings)

app = APIGatewayHttpResolver()


@app.get("/form")
def get_form() -> Response[str]:
    # the pages, forms and use cases load on the first request, not at import (cold start)
    from loket.channels.web import views

    return views.show_form(app.current_event)


@app.post("/form")
def post_form() -> Response[str]:
    from loket.channels.web import views

    return views.submit_form(app.current_event)


@app.post("/v1/public/tickets")
def post_public_ticket() -> Response[str]:
    from loket.channels.web import views

    return views.submit_json(app.current_event)


@app.route("/v1/public/tickets", method="OPTIONS")
def options_public_ticket() -> Response[str]:
    from loket.channels.web import views

    return views.public_preflight(app.current_event)


@app.get("/status/<ticket>")
def get_status(ticket: str) -> Response[str]:
    from loket.channels.web import views

    return views.show_status(app.current_event, ticket)


@app.post("/status/<ticket>")
def post_status(ticket: str) -> Response[str]:
    from loket.channels.web import views

    return views.post_status(app.current_event, ticket)


@app.get("/status/<ticket>/attachments/<entry>/<index>")
def get_attachment(ticket: str, entry: str, index: str) -> Response[str]:
    from loket.channels.web import views

    return views.download_attachment(app.current_event, ticket, entry, index)


@app.not_found
def route_not_found(_exc: Exception) -> Response[str]:
    from loket.channels.web import views

    return views.not_found(app.current_event)


@app.exception_handler(Exception)
def unexpected(exc: Exception) -> Response[str]:
    from loket.channels.web import views

    logger.exception("unexpected error on a public route", exc_info=exc)
    return views.unavailable(app.current_event)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config.load_all(*SETTINGS)
    bind_data()
    return app.resolve(event, context)
