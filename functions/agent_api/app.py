"""Agent API: the /v1 routes behind the HTTP API's JWT authorizer.

Serves the routers below, composed with the one auth gate and the error map (`build_app`), built on the first
request: the routes' schemas and validation are not paid for at import (cold start). A feature that adds agent or
admin routes adds its router to `routers()` and its routes to this function's events in template.yaml.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from loket.channels.agent_api.settings import AgentApiSettings
from loket.core.data.models import bind_data
from loket.core.data.settings import DataSettings
from loket.features.macros.settings import MacroSettings
from loket.platform import config
from loket.platform.config import AttachmentSettings, AwsSettings, SigningSettings
from loket.platform.observability import logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
    from aws_lambda_powertools.event_handler.api_gateway import Router

# read and validated on the first invocation: a missing or malformed variable fails it, naming the variable
SETTINGS = (AwsSettings, DataSettings, AgentApiSettings, AttachmentSettings, SigningSettings, MacroSettings)

_resolver: APIGatewayHttpResolver | None = None


def routers() -> list[Router]:
    """The routers this function serves (imported on the first request)."""
    from loket.channels.agent_api.admin import router as admin
    from loket.channels.agent_api.agent import router as tickets
    from loket.channels.agent_api.search import router as search
    from loket.features.macros.routes import router as macros
    from loket.features.routing.routes import router as routing_rules
    from loket.features.sla.routes import router as sla

    return [tickets, admin, search, routing_rules, macros, sla]


def resolver() -> APIGatewayHttpResolver:
    """The composed resolver this function serves, built once per process."""
    global _resolver
    if _resolver is None:
        from loket.channels.agent_api.api import build_app

        _resolver = build_app(*routers())
    return _resolver


def openapi_json() -> str:
    """The OpenAPI document of exactly what this function serves (`make openapi` commits it as docs/openapi.json)."""
    import json

    from loket.channels.agent_api.api import openapi_document

    return json.dumps(openapi_document(resolver()), indent=2, sort_keys=True)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config.load_all(*SETTINGS)
    bind_data()
    return resolver().resolve(event, context)
