"""Notifier: outbound mail for ticket events (SQS batches of outbox stream records, partial batch failures)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from loket.channels.email.settings import NotifierSettings
from loket.core.data.models import bind_data
from loket.core.data.settings import DataSettings
from loket.platform import config
from loket.platform.config import AttachmentSettings, AwsSettings, SigningSettings
from loket.platform.observability import logger, metrics

# read and validated on the first invocation: a missing or malformed variable fails it, naming the variable
SETTINGS = (AwsSettings, DataSettings, NotifierSettings, AttachmentSettings, SigningSettings)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config.load_all(*SETTINGS)
    bind_data()
    # the batch, its record models and the mail builders load on the first batch, not at import (cold start)
    from loket.channels.email.notify import process_batch

    return process_batch(event, context)
