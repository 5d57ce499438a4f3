"""Amazon SES (v1 API): sending one raw MIME message, through the process's one SES client."""

from __future__ import annotations

from loket.platform import aws


def send_raw(source: str, destinations: list[str], raw: bytes, region: str = "") -> str:
    """Send `raw` to exactly `destinations` (the envelope; headers are not re-read). Returns SES's MessageId.

    `region`: SES's own region when it is not the function's (SES_REGION). Raises botocore's ClientError as
    is: throttling and rejections make the SQS record fail and retry.
    """
    response = aws.ses(region).send_raw_email(Source=source, Destinations=destinations, RawMessage={"Data": raw})
    return str(response["MessageId"])
