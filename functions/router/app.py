"""Router: assignment for ticket and agent events (SQS batches of bus events, partial batch failures).

The Lambda wiring lives here: Powertools Batch over the RouterQueue's records, each record's bus event parsed
against the contract (`loket.core.events`). A new or released ticket is routed by the rules first
(`loket.features.routing.engine.route`: group and fields, once per ticket); what each event then does is
`loket.features.routing.assignment.on_event`; it needs no idempotency store: every write is conditioned on what it read, so a repeated event changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from loket.core.data.models import bind_data
from loket.core.data.settings import DataSettings
from loket.platform import config
from loket.platform.config import AwsSettings
from loket.platform.observability import logger

# read and validated on the first invocation: a missing or malformed variable fails it, naming the variable
SETTINGS = (AwsSettings, DataSettings)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parser.models import SqsRecordModel


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config.load_all(*SETTINGS)
    bind_data()
    # the batch, its record model and the routing code load on the first batch, not at import (cold start)
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.parser.models import SqsRecordModel

    # one processor per invocation: it holds the batch's results (cheap to make)
    processor = BatchProcessor(event_type=EventType.SQS, model=SqsRecordModel, raise_on_entire_batch_failure=False)
    return dict(
        process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
    )


def handle_record(record: SqsRecordModel) -> dict[str, Any]:
    """One message: the bus event it carries, handled by the assignment (a failure retries this message alone)."""
    import json

    from loket.core import events
    from loket.features.routing import assignment

    if not isinstance(record.body, str):
        raise TypeError("an SQS message body is text")
    event = events.parse(json.loads(record.body)["detail"])
    logger.append_keys(event_id=event.event_id, event_type=str(event.type))
    try:
        decision = None
        if event.type in (events.EventType.TICKET_CREATED, events.EventType.TICKET_RELEASED):
            from loket.features.routing import engine

            # the rules first (group, fields, maybe an assignee; once per ticket), then assignment in that group
            decision = engine.route(event.ticket_id, event.event_id)
        result = assignment.on_event(event)
        if decision is not None:
            result["rule"] = decision.rule.name if decision.rule else None
            result["group"] = decision.group
        logger.info("routed", extra={"result": result})
        return result
    finally:
        logger.remove_keys(["event_id", "event_type"])
