"""Agent API: the /v1 routes behind the HTTP API's JWT authorizer.

Serves the agent API's routers, composed with the one auth gate and the error map (`build_app`).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from loket.channels.agent_api.api import build_app
from loket.core.data.models import bind_data
from loket.platform.observability import logger, metrics

app = build_app()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    bind_data()
    return app.resolve(event, context)
