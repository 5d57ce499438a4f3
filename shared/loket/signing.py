"""Signed tokens: the customer's status-page link and the reply-to plus-address.

Both are an HMAC over the ticket id with a secret held outside the code (an SSM SecureString in AWS,
named by SIGNING_SECRET_PARAM; `SIGNING_SECRET` may give the value directly for local runs and tests).
A token says "whoever holds this link may see this ticket"; a wrong or missing one must look exactly like
a ticket that does not exist.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

_TOKEN_BYTES = 12  # 96 bits, 20 characters of base32: enough against guessing, short enough for an address


@lru_cache(maxsize=1)
def _secret() -> bytes:
    from loket.config import get_settings

    settings = get_settings()
    if settings.signing_secret:
        return settings.signing_secret.encode()
    if not settings.signing_secret_param:
        raise RuntimeError("set SIGNING_SECRET_PARAM (an SSM SecureString) or SIGNING_SECRET")
    from aws_lambda_powertools.utilities.parameters import get_parameter

    return str(get_parameter(settings.signing_secret_param, decrypt=True, max_age=300)).encode()


def reset() -> None:
    _secret.cache_clear()


def sign(purpose: str, value: str) -> str:
    """A short lower-case token binding `value` to `purpose` ("status", "reply")."""
    digest = hmac.new(_secret(), f"{purpose}:{value}".encode(), hashlib.sha256).digest()[:_TOKEN_BYTES]
    return base64.b32encode(digest).decode().rstrip("=").lower()


def verify(purpose: str, value: str, token: str | None) -> bool:
    if not token:
        return False
    given = token.strip().lower().encode(errors="replace")  # compare_digest refuses str with non-ASCII characters
    return hmac.compare_digest(sign(purpose, value).encode(), given)
