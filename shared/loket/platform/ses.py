"""Amazon SES (v1 API): sending one raw MIME message. The client is created on first use, once per process."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

from loket.platform.config import get_settings


@lru_cache(maxsize=1)
def _client() -> Any:
    settings = get_settings()
    # standard retry mode backs off on Throttling / MaxSendingRateExceeded before the record is given up
    return boto3.client(
        "ses",
        region_name=settings.ses_region or settings.region,
        config=Config(retries={"mode": "standard", "max_attempts": 3}),
    )


def reset() -> None:
    """Forget the client (tests switch moto backends and settings)."""
    _client.cache_clear()


def send_raw(source: str, destinations: list[str], raw: bytes) -> str:
    """Send `raw` to exactly `destinations` (the envelope; headers are not re-read). Returns SES's MessageId.

    Raises botocore's ClientError as is: throttling and rejections make the SQS record fail and retry.
    """
    response = _client().send_raw_email(Source=source, Destinations=destinations, RawMessage={"Data": raw})
    return str(response["MessageId"])
