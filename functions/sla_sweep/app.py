"""SLA sweep: EventBridge Scheduler runs it every minute (`loket.features.sla.sweep.run`). The scheduled time comes in
the event (`scheduled_time`, the schedule's Input), so a run acts as of that time; without it, now.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from loket.core.data.models import bind_data
from loket.core.data.settings import DataSettings
from loket.features.sla.settings import AutomationSettings
from loket.platform import config
from loket.platform.config import AwsSettings
from loket.platform.observability import logger

# read and validated on the first invocation: a missing or malformed variable fails it, naming the variable
SETTINGS = (AwsSettings, DataSettings, AutomationSettings)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config.load_all(*SETTINGS)
    bind_data()
    from loket.core.domain import clock
    from loket.features.sla import sweep

    text = event.get("scheduled_time") or event.get("time")
    try:
        now = clock.parse_iso(text) if isinstance(text, str) and text else clock.now()
    except ValueError:
        now = clock.now()
    if now.tzinfo is None:
        now = clock.now()
    result = sweep.run(now)
    logger.info("sla sweep", extra={"due": result.due, "acted": len(result.acted), "left_over": result.left_over})
    return vars(result)
