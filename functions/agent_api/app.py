"""Agent API: the /v1 routes behind the HTTP API's JWT authorizer."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from loket.channels.agent_api.settings import AgentApiSettings
from loket.core.data.models import bind_data
from loket.core.data.settings import DataSettings
from loket.platform import config
from loket.platform.config import AttachmentSettings, AwsSettings
from loket.platform.observability import logger, metrics

# read and validated on the first invocation: a missing or malformed variable fails it, naming the variable
SETTINGS = (AwsSettings, DataSettings, AgentApiSettings, AttachmentSettings)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config.load_all(*SETTINGS)
    bind_data()
    # the routes with their schemas and validation load on the first request, not at import (cold start)
    from loket.channels.agent_api.agent import app

    return app.resolve(event, context)
