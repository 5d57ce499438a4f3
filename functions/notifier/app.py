"""Notifier: outbound mail for ticket events (SQS batches of bus events, partial batch failures).

The Lambda wiring lives here: Powertools Batch over the NotifierQueue's records and Powertools Idempotency
around the send, keyed on the event id. What each event mails is `loket.channels.email.notify`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from loket.channels.email import notify
from loket.core.data.models import bind_data
from loket.platform.config import get_settings
from loket.platform.observability import logger, metrics

IDEMPOTENCY_KEY_PREFIX = "loket-notify"  # stable across function renames: keys are <prefix>#<md5 of event_id>

# an all-failed batch is reported item by item like any other, rather than raised
processor = BatchProcessor(event_type=EventType.SQS, model=SqsRecordModel, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    bind_data()
    config, _send_once = _idempotent()
    config.register_lambda_context(context)  # an INPROGRESS lock expires when this invocation would time out
    return dict(
        process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
    )


def handle_record(record: SqsRecordModel) -> dict[str, Any]:
    """One message: its typed event (the bus event, or the old stream record), mailed once."""
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


@lru_cache(maxsize=1)
def _idempotent() -> tuple[Any, Callable[..., Any]]:
    """`notify.deliver` wrapped in Powertools Idempotency on the event id; built on first use, not at import."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    settings = get_settings()
    if not settings.idempotency_table:
        raise RuntimeError("IDEMPOTENCY_TABLE is not set: the notifier sends no mail it cannot de-duplicate")
    config = IdempotencyConfig(
        event_key_jmespath="event_id",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=settings.notify_idempotency_seconds,
    )
    send_once = idempotent_function(
        notify.deliver,
        data_keyword_argument="event",
        persistence_store=DynamoDBPersistenceLayer(table_name=settings.idempotency_table),
        config=config,
        key_prefix=IDEMPOTENCY_KEY_PREFIX,
    )
    return config, send_once


def idempotency_config() -> Any:
    """The IdempotencyConfig in use (key: the event id; expiry: NOTIFY_IDEMPOTENCY_SECONDS)."""
    return _idempotent()[0]


def reset() -> None:
    """Forget the cached idempotency wrapper and SES client (tests change settings and moto backends)."""
    _idempotent.cache_clear()
    from loket.platform import ses

    ses.reset()
