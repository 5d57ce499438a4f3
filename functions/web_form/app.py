"""Public routes of the HTTP API: the hosted form, its JSON twin and the customer's status page.

Serves the web channel's router, composed with the one auth gate (every route public) and HTML error pages.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from loket.channels.web.routes import build_app
from loket.core.data.models import bind_data
from loket.platform.observability import logger, metrics

app = build_app()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    bind_data()
    return app.resolve(event, context)
