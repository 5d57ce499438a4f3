"""Router: assignment for ticket and agent events (SQS batches of bus events, partial batch failures).

The Lambda wiring is `loket.core.consumers.consume` (Powertools Batch over the RouterQueue's records, each record's
bus event parsed against the contract). A new or released ticket is routed by the rules first
(`loket.features.routing.engine.route`: group and fields, once per ticket); what each event then does is
`loket.features.routing.assignment.on_event`; it needs no idempotency store: every write is conditioned on what
it read, so a repeated event changes nothing.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from loket.core.consumers import consume
from loket.core.data.models import bind_data
from loket.core.data.settings import DataSettings
from loket.platform import config
from loket.platform.config import AwsSettings
from loket.platform.observability import logger

# read and validated on the first invocation: a missing or malformed variable fails it, naming the variable
SETTINGS = (AwsSettings, DataSettings)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config.load_all(*SETTINGS)
    bind_data()
    return consume(event, context, route, "routed")


def route(event: Any) -> dict[str, Any]:
    """One bus event, handled by the assignment (a failure retries its message alone)."""
    from loket.core import events
    from loket.features.routing import assignment

    decision = None
    if event.type in (events.EventType.TICKET_CREATED, events.EventType.TICKET_RELEASED):
        from loket.features.routing import engine

        # the rules first (group, fields, maybe an assignee; once per ticket), then assignment in that group
        decision = engine.route(event.ticket_id, event.event_id)
    result: dict[str, Any] = assignment.on_event(event)
    if decision is not None:
        result["rule"] = decision.rule.name if decision.rule else None
        result["group"] = decision.group
    return result
