"""The signed plus-address Loket puts in Reply-To: `support+LKT-1042.<token>@example.com`, or on the address of
the ticket's group (`billing+LKT-1042.<token>@example.com`).

A reply to it threads to ticket 1042 without relying on headers the customer's client may drop;
the token (HMAC over the number) stops anyone from posting into a ticket by guessing its number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.utils import parseaddr

from loket.core.domain.ticket import NUMBER_PATTERN, format_number
from loket.platform import signing

_TAG = re.compile(rf"^{NUMBER_PATTERN}\.([a-z2-7]{{8,32}})$", re.IGNORECASE)


def reply_address(support_address: str, number: int) -> str:
    local, _, domain = support_address.partition("@")
    return f"{local}+{format_number(number)}.{signing.sign('reply', str(number))}@{domain}"


def ticket_number_from(address: str, own_addresses: str | Iterable[str]) -> int | None:
    """The ticket number of a correctly signed plus-address of one of our mailboxes (the support address, a
    group's address), else None."""
    _name, addr = parseaddr(address)
    local, _, domain = addr.partition("@")
    base, plus, tag = local.partition("+")
    owned = {
        own.lower().partition("@")[::2]
        for own in ([own_addresses] if isinstance(own_addresses, str) else own_addresses)
    }
    if not plus or (base.lower(), domain.lower()) not in owned:
        return None
    match = _TAG.match(tag)
    if not match or not signing.verify("reply", match.group(1), match.group(2)):
        return None
    return int(match.group(1))
