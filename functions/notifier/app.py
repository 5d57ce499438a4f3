"""Notifier: outbound mail for ticket events (SQS batches of outbox stream records, partial batch failures)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from loket.channels.email.notify import process_batch
from loket.core.data.models import bind_data
from loket.platform.observability import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    bind_data()
    return process_batch(event, context)
