"""Inbound email: the SES receipt rule stored the raw mail in S3, then invokes this function (Event)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from loket.channels.email.settings import InboundSettings
from loket.core.data.models import bind_data
from loket.core.data.settings import DataSettings
from loket.platform import config
from loket.platform.config import AttachmentSettings, AwsSettings, SigningSettings
from loket.platform.observability import logger, metrics

# read and validated on the first invocation: a missing or malformed variable fails it, naming the variable
SETTINGS = (AwsSettings, DataSettings, InboundSettings, AttachmentSettings, SigningSettings)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config.load_all(*SETTINGS)
    bind_data()
    # mail parsing, HTML cleaning and the ticket use cases load on the first mail, not at import (cold start)
    from loket.channels.email import inbound
    from loket.channels.email.ses import notice_from_record

    results = [inbound.receive(notice_from_record(record)) for record in event["Records"]]
    return {"results": [{"outcome": r.outcome, "ticket_id": r.ticket_id} for r in results]}
