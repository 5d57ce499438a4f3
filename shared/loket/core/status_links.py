"""The customer's status-page link: `/status/LKT-1042?t=<token>&lang=<lang>`.

The token is an HMAC over the ticket id (`loket.platform.signing`, purpose `status`). The web form's
confirmation, the status pages, the JSON twin and the notifier's acknowledgement all build the link here.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from loket.core.domain.ticket import format_number
from loket.platform import signing

_PURPOSE = "status"


def token(ticket_id: str) -> str:
    """The status-page token of a ticket."""
    return signing.sign(_PURPOSE, ticket_id)


def verify(ticket_id: str, candidate: str | None) -> bool:
    """True when `candidate` is the ticket's token (now, or within the signing key's grace period)."""
    return signing.verify(_PURPOSE, ticket_id, candidate)


def href(number: int, status_token: str, lang: str, **more: str) -> str:
    """The link relative to a page under `/status/`: `LKT-1042?t=...&lang=en` (`more`: extra query values)."""
    return f"{quote(format_number(number))}?{urlencode({'t': status_token, 'lang': lang, **more})}"


def url(base_url: str, number: int, status_token: str, lang: str) -> str:
    """The absolute link under `base_url` (no trailing slash), for mail and API answers."""
    return f"{base_url}/status/{href(number, status_token, lang)}"
