"""Hypothesis strategies for malformed and hostile MIME (shared by the unit and integration property tests)."""

from __future__ import annotations

from hypothesis import strategies as st

HEADER_NAMES = [
    "From", "To", "Cc", "Reply-To", "Sender", "Subject", "Message-ID", "In-Reply-To", "References", "Date",
    "Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Content-ID", "MIME-Version",
    "Return-Path", "Auto-Submitted", "Precedence", "X-Auto-Response-Suppress", "List-Id", "X-Loket-Ticket",
]  # fmt: skip

HOSTILE_VALUES = [
    "text/plain; name*",  # IndexError in policy.default (cpython#94306)
    "<[anu10]x@[anu13]y>",  # Outlook-style Message-ID that breaks the header parser
    "(c):",
    "hi =?UTF-8?Q?=0A?=Bcc: injected@example.com",  # encoded newline
    "=?utf-8?q?agent?=@example.com",  # encoded word inside an address
    "=?x-unknown?B?////?=",
    "=?utf-8?B?8J+YrQ?=",  # bad padding
    "multipart/mixed; boundary=",
    'multipart/alternative; boundary=""',
    'multipart/related; boundary=x; type="text/html"',
    "message/rfc822",
    "message/delivery-status",
    "text/html; charset=utf-99",
    'text/plain; charset="unicode-1-1-utf-7"',
    "base64",
    "quoted-printable",
    "x-uuencode",
    "8bit",
    "attachment; filename*=UTF-8''%FF%FE%00..%2F..%2Fetc%2Fpasswd",
    'attachment; filename="../../evil\\\\name.exe"',
    "inline; filename*0*=us-ascii''a; filename*1=%F6",
    '"Doe, John" <john@example.com>, <>, @, alice@example.org)<bob@example.org>',
    "<>",
    "auto-replied",
    "",
    "a" * 2000,
]

_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80)


@st.composite
def header_lines(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, 12))):
        name = draw(st.sampled_from(HEADER_NAMES) | st.text("abcXYZ-:; ", min_size=0, max_size=12))
        value = draw(st.sampled_from(HOSTILE_VALUES) | _text)
        encoded = (
            value.encode("utf-8", "surrogateescape") if draw(st.booleans()) else value.encode("latin-1", "replace")
        )
        fold = b"\r\n\t" if draw(st.booleans()) else b" "
        lines.append(name.encode("utf-8") + b":" + fold.join(encoded.split(b" ", 1)))
    return b"\r\n".join(lines)


@st.composite
def mime_body(draw: st.DrawFn, depth: int = 0) -> bytes:
    kind = draw(st.sampled_from(["bytes", "text", "base64", "multipart"] if depth < 4 else ["bytes", "text"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "text":
        return draw(_text).encode("utf-8")
    if kind == "base64":
        return draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789+/=\r\n-", max_size=200)).encode()
    boundary = draw(st.sampled_from(["b", "=_x", "", "--", "a b", "x" * 80]))
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        head = draw(header_lines())
        parts.append(b"--" + boundary.encode() + b"\r\n" + head + b"\r\n\r\n" + draw(mime_body(depth + 1)))
    closing = b"--" + boundary.encode() + b"--" if draw(st.booleans()) else b""
    return b"\r\n".join([*parts, closing])


@st.composite
def hostile_mail(draw: st.DrawFn) -> bytes:
    """A whole message: random headers (often broken), a random body, sometimes pure noise."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=2000))
    head = draw(header_lines())
    separator = draw(st.sampled_from([b"\r\n\r\n", b"\n\n", b"\r\n", b""]))
    return head + separator + draw(mime_body())
