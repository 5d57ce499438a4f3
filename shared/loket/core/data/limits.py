"""Fixed-window rate limits kept in the table (one UpdateItem each), for the web form and inbound mail.

Item: PK `RATE#<scope>#<key>`, SK `<window start>`; expires by TTL two windows later.
"""

from __future__ import annotations

import time

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import UpdateError

from loket.core.data.models import _Base


class RateItem(_Base):
    hits = NumberAttribute(default=0)
    expires_at = NumberAttribute()


def hit(scope: str, key: str, limit: int, window_seconds: int, now: float | None = None) -> bool:
    """Count one hit; True while the key is within `limit` hits in the current window."""
    moment = int(now if now is not None else time.time())
    start = moment - moment % window_seconds
    item = RateItem(f"RATE#{scope}#{key.lower()}", str(start), item_type="rate")
    try:
        item.update(
            actions=[RateItem.hits.add(1), RateItem.expires_at.set(start + 2 * window_seconds)],
            condition=RateItem.hits.does_not_exist() | (RateItem.hits < limit),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
