"""S3 for mail: the raw message SES stored (attachments go through `loket.platform.attachments`)."""

from __future__ import annotations

from loket.platform import aws


class RawMailMissing(Exception):
    """The object the SES S3 action should have written is not there (yet): retry later."""


class RawMailTooLarge(Exception):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"the message is {size} bytes; Loket reads mail up to {limit} bytes")
        self.size = size


def read_raw(bucket: str, key: str, max_bytes: int) -> bytes:
    from botocore.exceptions import ClientError

    try:
        response = aws.s3().get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            raise RawMailMissing(f"s3://{bucket}/{key}") from exc
        raise
    body = response["Body"]
    size = int(response.get("ContentLength") or 0)
    if size > max_bytes:
        body.close()
        raise RawMailTooLarge(size, max_bytes)
    data: bytes = body.read(max_bytes + 1)
    body.close()
    if len(data) > max_bytes:
        raise RawMailTooLarge(len(data), max_bytes)
    return data
