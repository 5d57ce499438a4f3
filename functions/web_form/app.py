"""Public routes of the HTTP API: the hosted form, its JSON twin and the customer's status page.

Serves the web channel's router, composed with the one auth gate (every route public) and HTML error pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from loket.channels.web.settings import WebSettings
from loket.core.data.models import bind_data
from loket.core.data.settings import DataSettings
from loket.platform import config
from loket.platform.config import AttachmentSettings, AwsSettings, SigningSettings
from loket.platform.observability import logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

# read and validated on the first invocation: a missing or malformed variable fails it, naming the variable
SETTINGS = (AwsSettings, DataSettings, WebSettings, AttachmentSettings, SigningSettings)

_resolver: APIGatewayHttpResolver | None = None


def resolver() -> APIGatewayHttpResolver:
    """The composed resolver this function serves, built once per process (the pages, forms and use cases load
    on the first request, not at import: cold start)."""
    global _resolver
    if _resolver is None:
        from loket.channels.web.routes import build_app

        _resolver = build_app()
    return _resolver


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config.load_all(*SETTINGS)
    bind_data()
    return resolver().resolve(event, context)
