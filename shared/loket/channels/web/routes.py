"""The public routes of the web channel (form, its JSON twin, status page) as a Powertools Router, and the
resolver `functions/web_form` serves (`build_app`): the routes behind the one auth gate (every one declares
`PUBLIC`), errors as HTML pages."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from loket.channels.web import views
from loket.core.auth import PUBLIC, install_gate, requires
from loket.core.domain.errors import LoketError
from loket.platform.observability import logger

router = APIGatewayHttpRouter()


@router.get("/form")
@requires(PUBLIC)
def get_form() -> Response[str]:
    return views.show_form(router.current_event)


@router.post("/form")
@requires(PUBLIC)
def post_form() -> Response[str]:
    return views.submit_form(router.current_event)


@router.post("/v1/public/tickets")
@requires(PUBLIC)
def post_public_ticket() -> Response[str]:
    return views.submit_json(router.current_event)


@router.route("/v1/public/tickets", method="OPTIONS")
@requires(PUBLIC)
def options_public_ticket() -> Response[str]:
    return views.public_preflight(router.current_event)


@router.get("/status/<ticket>")
@requires(PUBLIC)
def get_status(ticket: str) -> Response[str]:
    return views.show_status(router.current_event, ticket)


@router.post("/status/<ticket>")
@requires(PUBLIC)
def post_status(ticket: str) -> Response[str]:
    return views.post_status(router.current_event, ticket)


@router.get("/status/<ticket>/attachments/<entry>/<index>")
@requires(PUBLIC)
def get_attachment(ticket: str, entry: str, index: str) -> Response[str]:
    return views.download_attachment(router.current_event, ticket, entry, index)


def build_app() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver()
    app.include_router(router)
    install_gate(app)

    @app.exception_handler(LoketError)
    def domain_error(exc: LoketError) -> Response[str]:
        return views.error_page(app.current_event, exc)

    @app.not_found
    def route_not_found(_exc: Exception) -> Response[str]:
        return views.not_found(app.current_event)

    @app.exception_handler(Exception)
    def unexpected(exc: Exception) -> Response[str]:
        logger.exception("unexpected error on a public route", exc_info=exc)
        return views.unavailable(app.current_event)

    return app
