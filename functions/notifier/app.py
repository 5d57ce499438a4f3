"""Notifier: outbound mail for ticket events (SQS batches of outbox stream records, partial batch failures)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from loket.config import bind_data
from loket.observability import logger, metrics
from loket.services.notify import process_batch


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    bind_data()
    return process_batch(event, context)
