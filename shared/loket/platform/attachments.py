"""Attachments in the attachments bucket (S3): web uploads, mail attachments, short-lived download links."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from loket.platform import aws, config
from loket.platform.config import AttachmentSettings

# where each channel keeps its files in the bucket; the functions that sign download links may read them all
PREFIXES = {"web": "web/", "mail": "inbound/", "agent": "agent/"}
# One cap for every channel's file names, in characters: the public JSON form already documents it
# (`filename` maxLength 150), and with room for a prefix it keeps an S3 key far under its 1,024 bytes. Mail
# names were cut at 200 before; no name is kept longer than a download could show.
MAX_FILENAME = 150
_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}  # control, format (bidi overrides), surrogate, private, unassigned
_ENDS = re.compile(r"^[\s.]+|[\s.]+$")


def clean_filename(name: str) -> str:
    """A file name as people see it, whichever channel brought it: the last path part, no control or format
    characters (a right-to-left override would disguise `.exe` as `.pdf`), no dots or spaces at the ends (no
    hidden files; Windows drops trailing dots), at most MAX_FILENAME characters; `attachment` when nothing is left.
    """
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # old browsers and some mailers send the whole path
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _CONTROL)
    name = _ENDS.sub("", _ENDS.sub("", name)[:MAX_FILENAME])
    return name or "attachment"


def key_name(filename: str) -> str:
    """A file name (or any label) fit for a segment of an S3 key: ASCII letters, digits, dot, dash, underscore;
    letters with accents lose them (`résumé` -> `resume`); at most MAX_FILENAME characters."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"\.{2,}", ".", re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name)).strip("._")
    return cleaned[:MAX_FILENAME].rstrip("._") or "attachment"


def _bucket() -> str:
    return config.load(AttachmentSettings).attachments_bucket


def put(
    key: str,
    data: bytes,
    content_type: str,
    filename: str = "",
    metadata: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    """Store a file in the attachments bucket (every channel writes here): encrypted at rest, downloaded as
    `filename` when one is given. The same key again overwrites the same object, so a retry is harmless.
    `metadata` values must be ASCII (S3 user metadata), so callers percent-encode names."""
    from urllib.parse import quote, urlencode

    extra = {"ContentDisposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}"} if filename else {}
    aws.s3().put_object(
        Bucket=_bucket(),
        Key=key,
        Body=data,
        ContentType=content_type or "application/octet-stream",
        Metadata=metadata or {},
        Tagging=urlencode(tags or {}),
        ServerSideEncryption="AES256",
        **extra,
    )


def tag(key: str, tags: dict[str, str]) -> None:
    """Replace the object's tags (lifecycle rules of the bucket act on them)."""
    aws.s3().put_object_tagging(
        Bucket=_bucket(),
        Key=key,
        Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]},
    )


@dataclass(frozen=True)
class Stored:
    key: str
    size: int
    content_type: str
    metadata: dict[str, str]


class Missing(Exception):
    """Nothing is stored under the key."""


def _object(operation: str, key: str) -> Any:
    """One call on an object of the bucket (head_object, get_object); Missing when there is no such object."""
    from botocore.exceptions import ClientError

    try:
        return getattr(aws.s3(), operation)(Bucket=_bucket(), Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise Missing(key) from exc
        raise


def head(key: str) -> Stored | None:
    """What the bucket holds under `key`, or None when nothing is there."""
    try:
        found = _object("head_object", key)
    except Missing:
        return None
    return Stored(key, int(found["ContentLength"]), str(found.get("ContentType", "")), dict(found.get("Metadata", {})))


def read(key: str) -> bytes:
    return bytes(_object("get_object", key)["Body"].read())


def download_url(key: str, filename: str, expires_seconds: int = 300) -> str:
    """A short-lived link that downloads the object (never displays it inline in the browser)."""
    from urllib.parse import quote

    disposition = f"attachment; filename*=UTF-8''{quote(filename, safe='')}"
    url: str = aws.s3().generate_presigned_url(
        "get_object",
        Params={
            "Bucket": _bucket(),
            "Key": key,
            "ResponseContentDisposition": disposition,
            "ResponseContentType": "application/octet-stream",
        },
        ExpiresIn=expires_seconds,
    )
    return url
