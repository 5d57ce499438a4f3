"""The pure half of threading: which Message-IDs and which ticket number a mail offers, in the order they count.

The order (the service does the lookups): the mail's own Message-ID seen before -> the same mail, one
message; In-Reply-To, then References newest first, against every Message-ID Loket sent or received;
for a delivery report (a bounce), the Message-ID of the returned mail, so the bounce lands on the ticket
whose mail did not arrive; a signed plus-address among the recipients; a `[LKT-1042]` subject token when the sender is the
requester or a CC of that ticket (never when DMARC failed); else a new ticket.
"""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesHeaderParser

from loket.channels.email.parse import ParsedMail
from loket.core.domain.ticket import NUMBER_PATTERN

MAX_REFERENCES = 25  # each is a GetItem; long threads only need their newest ids
# the parts of a delivery report (RFC 3462/6533) that carry the returned mail or its headers
_RETURNED_PARTS = ("message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers")
_SUBJECT_TOKEN = re.compile(rf"\[\s*{NUMBER_PATTERN}\s*\]", re.IGNORECASE)

BY_HEADER = "in-reply-to/references"
BY_RETURNED = "returned-mail"
BY_ADDRESS = "plus-address"
BY_SUBJECT = "subject-token"
NEW = "new"


def reply_candidates(mail: ParsedMail, own_message_id: str | None = None) -> list[str]:
    """In-Reply-To first, then References newest (last) first; duplicates and the mail's own id dropped."""
    ordered = [*mail.in_reply_to, *reversed(mail.references)]
    seen: dict[str, None] = {}
    own = (own_message_id or "").lower()
    for message_id in ordered:
        key = message_id.strip().strip("<>").lower()
        if key and key != own and key not in seen:
            seen[key] = None
    return list(seen)[:MAX_REFERENCES]


def subject_number(subject: str) -> int | None:
    """The ticket number of the first `[LKT-n]` token in a subject."""
    match = _SUBJECT_TOKEN.search(subject or "")
    return int(match.group(1)) if match else None


def returned_message_id(mail: ParsedMail) -> str | None:
    """The Message-ID of the mail a delivery report returns. Only for delivery reports: a forwarded message is
    no bounce, and its inner Message-ID says nothing about where the forward belongs."""
    for part in mail.attachments:
        if part.content_type in _RETURNED_PARTS:
            headers = BytesHeaderParser(policy=policy.compat32).parsebytes(part.data[: 64 * 1024])
            key = str(headers.get("Message-ID") or "").strip().strip("<>").lower()
            if key and " " not in key:
                return key
    return None
