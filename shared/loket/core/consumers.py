"""A bus consumer's Lambda wiring, shared by the queue consumers (router, SLA): Powertools Batch over an SQS event
of bus events, each record's event parsed against the contract (`loket.core.events`) and handed to the
consumer's `handle`; a record that fails is retried alone (partial batch response). Powertools and the contract
load on the first batch, not at import (cold start)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loket.platform.observability import logger


def consume(
    sqs_event: dict[str, Any], context: Any, handle: Callable[[Any], dict[str, Any]], log: str
) -> dict[str, Any]:
    """Hand each record's bus event to `handle`, logging its result as `log`; the partial batch response."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.parser.models import SqsRecordModel

    def record_handler(record: SqsRecordModel) -> dict[str, Any]:
        event = event_of(record.body)
        logger.append_keys(event_id=event.event_id, event_type=str(event.type))
        try:
            result = handle(event)
            logger.info(log, extra={"result": result})
            return result
        finally:
            logger.remove_keys(["event_id", "event_type"])

    # one processor per invocation: it holds the batch's results (cheap to make)
    processor = BatchProcessor(event_type=EventType.SQS, model=SqsRecordModel, raise_on_entire_batch_failure=False)
    return dict(process_partial_response(event=sqs_event, record_handler=record_handler, processor=processor,
                                         context=context))  # fmt: skip


def event_of(body: Any) -> Any:
    """The typed event in an SQS message body: the EventBridge envelope a rule's queue target delivers, whose
    `detail` is the event."""
    import json

    from loket.core import events

    if not isinstance(body, str):
        raise TypeError("an SQS message body is text")
    return events.parse(json.loads(body)["detail"])
