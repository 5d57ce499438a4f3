"""SLA consumer: ticket events (SQS batches of bus events, partial batch failures) become facts of each ticket's SLA
timeline, which is evaluated and recorded (`loket.features.sla.tracker.sync`): clocks, due-index keys, SLA events in
the audit trail and on the bus. Idempotent without a store of its own: each fact is kept under its event's id and
every write is conditioned on the SLA item's version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from loket.core.consumers import consume
from loket.core.data.models import bind_data
from loket.core.data.settings import DataSettings
from loket.features.sla.settings import AutomationSettings
from loket.platform import config
from loket.platform.config import AwsSettings
from loket.platform.observability import logger

# read and validated on the first invocation: a missing or malformed variable fails it, naming the variable
SETTINGS = (AwsSettings, DataSettings, AutomationSettings)

if TYPE_CHECKING:
    from loket.features.sla.tracker import Rules

_rules: list[Rules] = []  # the policies and calendars, read once per batch


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config.load_all(*SETTINGS)
    bind_data()
    from loket.features.sla.tracker import Rules  # the SLA engine loads on the first batch, not at import

    _rules[:] = [Rules.load()]
    return consume(event, context, track, "sla")


def track(event: Any) -> dict[str, Any]:
    """One bus event: its facts added to the ticket's SLA timeline (a failure retries its message alone)."""
    from loket.core.domain import clock
    from loket.features.sla import tracker

    outcome = tracker.sync(event.ticket_id, _rules[0] if _rules else tracker.Rules.load(), clock.now(), event)
    return vars(outcome) if outcome else {"ticket_id": event.ticket_id, "missing": True}
