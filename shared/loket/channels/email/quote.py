"""The new part of a reply: the quoted history is cut for display (the full original stays in the raw mail).

First Loket's own marker (`REPLY_MARKER`, put at the top of every mail Loket sends): everything from the
line that carries it on is history. Without the marker, mail-parser-reply finds the quote header the
customer's client wrote ("On ... wrote:", "-----Original Message-----", "Von: ... Gesendet:", ...).
Only replies are stripped: the first message of a ticket is kept whole, since a forwarded conversation
is often the very thing the customer is asking about.
"""

from __future__ import annotations

import re

REPLY_MARKER = "-- Reply above this line --"
_MARKER_LINE = re.compile(r"^[>\s]*-*\s*reply above this line\s*-*\s*$", re.IGNORECASE | re.MULTILINE)
# the quote-header regexes backtrack; bound the text they see (the whole body is still kept)
_MAX_SCAN = 64 * 1024
_LANGUAGES = ["en", "de", "nl", "fr", "es", "it", "sv", "da", "pl", "cs"]
# Indonesian clients (the default locale) write "Pada <tanggal>, <nama> menulis:"
_LOCAL_HEADERS = re.compile(r"^\s*Pada\s.{4,200}?menulis\s*:\s*$", re.IGNORECASE | re.MULTILINE | re.DOTALL)


def strip_quoted(text: str) -> tuple[str, bool]:
    """(the new part of a reply, whether anything was cut). Never returns an empty text for a non-empty one."""
    if not text.strip():
        return text, False
    marker = _MARKER_LINE.search(text)
    if marker:
        head = text[: marker.start()].rstrip()
        head = _drop_trailing_attribution(head)
        if head.strip():
            return head, True
    head = text[:_MAX_SCAN]
    local = _LOCAL_HEADERS.search(head)
    if local and head[: local.start()].strip():
        return head[: local.start()].rstrip(), True
    try:
        from mailparser_reply import EmailReplyParser

        reply = EmailReplyParser(languages=_LANGUAGES).parse_reply(head)
    except Exception:  # a failure here only means no stripping
        return text, False
    if not reply or not reply.strip():
        return text, False
    reply = reply.strip()
    cut = len(reply) < len(text.strip())
    return (reply, True) if cut else (text, False)


_ATTRIBUTION = re.compile(r"(wrote|schrieb|menulis|a écrit|escribió|skrev|napisał|schreef)\s*:\s*$", re.IGNORECASE)


def _drop_trailing_attribution(text: str) -> str:
    """Clients put "On <date>, Loket wrote:" just above the quoted marker; that line is history too."""
    lines = text.rstrip().split("\n")
    while lines and re.search(
        r"(wrote|schrieb|menulis|a écrit|escribió|skrev|napisał|schreef)\s*:\s*$", lines[-1], re.I
    ):
        lines.pop()
        while lines and not lines[-1].strip():
            lines.pop()
    return "\n".join(lines)
