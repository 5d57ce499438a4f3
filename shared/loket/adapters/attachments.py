"""Attachments in the attachments bucket (S3): web uploads, mail attachments, short-lived download links."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from loket.config import get_settings

# where each channel keeps its files in the bucket; the functions that sign download links may read them all
PREFIXES = {"web": "web/", "mail": "inbound/"}


@lru_cache(maxsize=1)
def _client() -> Any:
    import boto3
    from botocore.config import Config

    # SigV4 links (the only kind newer regions accept) on the regional endpoint
    return boto3.client("s3", region_name=get_settings().region, config=Config(signature_version="s3v4"))


def reset() -> None:
    """Forget the client (tests start a fresh AWS mock per test)."""
    _client.cache_clear()


def put(key: str, data: bytes, content_type: str) -> None:
    _client().put_object(
        Bucket=get_settings().attachments_bucket,
        Key=key,
        Body=data,
        ContentType=content_type or "application/octet-stream",
    )


def download_url(key: str, filename: str, expires_seconds: int = 300) -> str:
    """A short-lived link that downloads the object (never displays it inline in the browser)."""
    from urllib.parse import quote

    disposition = f"attachment; filename*=UTF-8''{quote(filename, safe='')}"
    url: str = _client().generate_presigned_url(
        "get_object",
        Params={
            "Bucket": get_settings().attachments_bucket,
            "Key": key,
            "ResponseContentDisposition": disposition,
            "ResponseContentType": "application/octet-stream",
        },
        ExpiresIn=expires_seconds,
    )
    return url
