"""Notifier: outbound mail for ticket events (SQS batches of bus events, partial batch failures).

The Lambda wiring lives here: Powertools Batch over the NotifierQueue's records and Powertools Idempotency
around the send, keyed on the event id. What each event mails is `loket.channels.email.notify`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from loket.channels.email.settings import NotifierSettings
from loket.core.data.models import bind_data
from loket.core.data.settings import DataSettings
from loket.platform import aws, config
from loket.platform.config import AttachmentSettings, AwsSettings, SigningSettings
from loket.platform.observability import logger, metrics

# read and validated on the first invocation: a missing or malformed variable fails it, naming the variable
SETTINGS = (AwsSettings, DataSettings, NotifierSettings, AttachmentSettings, SigningSettings)

IDEMPOTENCY_KEY_PREFIX = "loket-notify"  # stable across function renames: keys are <prefix>#<md5 of event_id>

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BatchProcessor
    from aws_lambda_powertools.utilities.parser.models import SqsRecordModel


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config.load_all(*SETTINGS)
    bind_data()
    # the batch, its record model and the mail builders load on the first batch, not at import (cold start)
    from aws_lambda_powertools.utilities.batch import process_partial_response

    idempotency, _send_once = _idempotent()
    idempotency.register_lambda_context(context)  # an INPROGRESS lock expires when this invocation would time out
    return dict(
        process_partial_response(event=event, record_handler=handle_record, processor=_processor(), context=context)
    )


def handle_record(record: SqsRecordModel) -> dict[str, Any]:
    """One message: its typed event (the bus event, or the old stream record), mailed once."""
    from loket.channels.email import notify

    metrics.add_metric(name="OutboxEvents", unit=MetricUnit.Count, value=1)  # deliveries, repeats included
    if not isinstance(record.body, str):
        raise TypeError("an SQS message body is text")
    found = notify.event_of(record.body)
    if isinstance(found, notify.NoMail):
        return notify.no_mail(found)  # decided by the message alone: no lock, no writes
    logger.append_keys(event_id=found.event_id, event_type=str(found.type), ticket_id=found.ticket_id)
    try:
        _config, send_once = _idempotent()
        result: dict[str, Any] = send_once(event=found)
        return result
    finally:
        logger.remove_keys(["event_id", "event_type", "ticket_id"])


def _processor() -> BatchProcessor:
    """The batch processor: an all-failed batch is reported item by item like any other, rather than raised."""
    return aws.once("notify-batch", _make_processor)


def _make_processor() -> BatchProcessor:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
    from aws_lambda_powertools.utilities.parser.models import SqsRecordModel

    return BatchProcessor(event_type=EventType.SQS, model=SqsRecordModel, raise_on_entire_batch_failure=False)


def _idempotent() -> tuple[Any, Callable[..., Any]]:
    """`notify.deliver` wrapped in Powertools Idempotency on the event id; built on first use, not at import, kept
    until loket.platform.aws.reset."""
    return aws.once("notify-idempotency", _make_idempotent)


def _make_idempotent() -> tuple[Any, Callable[..., Any]]:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    from loket.channels.email import notify

    settings = config.load(NotifierSettings)  # IDEMPOTENCY_TABLE is required: no mail it cannot de-duplicate
    idempotency = IdempotencyConfig(
        event_key_jmespath="event_id",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=settings.notify_idempotency_seconds,
    )
    send_once = idempotent_function(
        notify.deliver,
        data_keyword_argument="event",
        persistence_store=DynamoDBPersistenceLayer(
            table_name=settings.idempotency_table, boto3_client=aws.dynamodb_client()
        ),
        config=idempotency,
        key_prefix=IDEMPOTENCY_KEY_PREFIX,
    )
    return idempotency, send_once


def idempotency_config() -> Any:
    """The IdempotencyConfig in use (key: the event id; expiry: NOTIFY_IDEMPOTENCY_SECONDS)."""
    return _idempotent()[0]
