"""The signed plus-address Loket puts in Reply-To: `support+LKT-1042.<token>@example.com`.

A reply to it threads to ticket 1042 without relying on headers the customer's client may drop;
the token (HMAC over the number) stops anyone from posting into a ticket by guessing its number.
"""

from __future__ import annotations

import re
from email.utils import parseaddr

from loket.core.domain.ticket import NUMBER_PATTERN, format_number
from loket.platform import signing

_TAG = re.compile(rf"^{NUMBER_PATTERN}\.([a-z2-7]{{8,32}})$", re.IGNORECASE)


def reply_address(support_address: str, number: int) -> str:
    local, _, domain = support_address.partition("@")
    return f"{local}+{format_number(number)}.{signing.sign('reply', str(number))}@{domain}"


def ticket_number_from(address: str, support_address: str) -> int | None:
    """The ticket number of a correctly signed plus-address of our support mailbox, else None."""
    _name, addr = parseaddr(address)
    local, _, domain = addr.partition("@")
    support_local, _, support_domain = support_address.lower().partition("@")
    base, plus, tag = local.partition("+")
    if not plus or base.lower() != support_local or domain.lower() != support_domain:
        return None
    match = _TAG.match(tag)
    if not match or not signing.verify("reply", match.group(1), match.group(2)):
        return None
    return int(match.group(1))
