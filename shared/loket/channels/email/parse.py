"""Reading a raw RFC 5322 message into what a ticket needs, without ever raising on bad content.

The standard `email` package does the MIME work: `policy.default` first, `compat32` when the modern
parser cannot read the message (it raises on some malformed headers, see cpython#94306). Headers are
read one at a time and each falls back to a plain RFC 2047 decode of its raw value, so one bad header
never costs the rest. Bodies are decoded from their transfer encoding by the library and from their
charset here, with a fallback chain, because mail in the wild declares charsets that do not exist or
that are wrong. Only a message that neither policy can read raises `MailParseError`; the caller keeps
the raw mail and quarantines it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from loket.channels.email import html as mailhtml
from loket.platform.attachments import clean_filename

MAX_DEPTH = 40  # MIME nesting deeper than this is hostile; parts below it stay in the raw mail only


class MailParseError(Exception):
    """Neither parser policy could read the message at all."""


@dataclass
class MailAttachment:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str | None = None


@dataclass
class ParsedMail:
    message_id: str | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_name: str = ""
    from_email: str = ""
    reply_to: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    date: str | None = None
    content_type: str = "text/plain"
    report_type: str | None = None
    calendar_method: str | None = None
    text: str = ""
    html: str | None = None
    attachments: list[MailAttachment] = field(default_factory=list)
    # decoded values of the headers the loop gate reads, lower-case names
    headers: dict[str, list[str]] = field(default_factory=dict)
    defects: list[str] = field(default_factory=list)
    parser: str = "default"

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""


# --- text helpers --------------------------------------------------------------------------------------

_CHARSET_ALIASES = {
    "us-ascii": "",  # "" = guess: 8-bit bytes under an ASCII label are common
    "ascii": "",
    "ansi_x3.4-1968": "",
    "x-unknown": "",
    "unknown": "",
    "unknown-8bit": "",
    "default": "",
    "iso-8859-1": "cp1252",  # the WHATWG rule: Latin-1 labels carry Windows-1252 bytes
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-sjis": "shift_jis",
    "shift-jis": "shift_jis",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-mac-roman": "mac_roman",
    "cp-850": "cp850",
}
_SAFE_CODECS_TO_GUESS = ("utf-8", "cp1252")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _codec(charset: str | None) -> str:
    name = (charset or "").strip().strip('"').lower()
    name = _CHARSET_ALIASES.get(name, name)
    if not name:
        return ""
    import codecs

    try:
        return codecs.lookup(name).name
    except LookupError:
        return ""


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text from bytes in a declared charset; unknown or wrong labels fall back to UTF-8, then Windows-1252."""
    codec = _codec(charset)
    for candidate in ([codec] if codec else []) + list(_SAFE_CODECS_TO_GUESS):
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(codec or "utf-8", errors="replace")


def clean_text(text: str) -> str:
    """No lone surrogates (8-bit bytes the parser smuggled through) and no control characters."""
    if _SURROGATE.search(text):
        try:
            raw = text.encode("utf-8", "surrogateescape")
            text = decode_bytes(raw, None)
        except UnicodeEncodeError:
            pass
        text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL.sub("", text)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", clean_text(text)).strip()


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def _decode_words(text: str) -> str:
    """RFC 2047 words, also the ones the strict parsers leave alone (inside words, quotes, bad padding)."""
    if "=?" not in text:
        return text
    try:
        chunks = decode_header(text)
        out = [decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk for chunk, charset in chunks]
        text = "".join(out)
    except Exception:  # noqa: S110 - a malformed word: the regex below handles it
        pass

    def one(match: re.Match[str]) -> str:
        charset, kind, payload = match.group(1).split("*")[0], match.group(2).lower(), match.group(3)
        try:
            if kind == "q":
                import quopri

                data = quopri.decodestring(payload.replace("_", " ").encode("ascii", "replace"), header=True)
            else:
                import base64

                data = base64.b64decode(payload + "=" * (-len(payload) % 4), validate=False)
        except Exception:
            return match.group(0)
        return decode_bytes(data, charset)

    # adjacent encoded words separated only by whitespace join without it (RFC 2047 section 6.2)
    text = re.sub(r"(\?=)\s+(=\?)", r"\1\2", text)
    return _ENCODED_WORD.sub(one, text)


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]*", " ", value)


# --- headers -------------------------------------------------------------------------------------------


def _raw_values(msg: Message, name: str) -> list[str]:
    wanted = name.lower()
    values: list[str] = []
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            values.append(value if isinstance(value, str) else str(value))
    return values


def header_values(msg: Message, name: str, defects: list[str]) -> list[str]:
    """Decoded values of one header, each read by the policy and, when that fails, from its raw text."""
    raws = _raw_values(msg, name)
    out: list[str] = []
    modern = isinstance(msg.policy, policy.EmailPolicy)
    parsed: list[Any] = []
    if modern:
        try:
            parsed = list(msg.get_all(name) or [])
        except Exception as exc:  # e.g. IndexError on Outlook Message-IDs (cpython#94306)
            defects.append(f"header {name}: {type(exc).__name__}")
            parsed = []
    for i, raw in enumerate(raws):
        value: str | None = None
        if _SURROGATE.search(raw):
            # raw 8-bit bytes (RFC 6532 UTF-8, or a legacy charset): the policy would turn them into U+FFFD
            out.append(_one_line(_decode_words(clean_text(_unfold(raw)))))
            continue
        if modern and i < len(parsed):
            try:
                value = str(parsed[i])
            except Exception:
                value = None
        if value is not None and "\ufffd" in value and "=?" in raw:
            value = None  # the policy decoded a word strictly (GB2312 label, GBK text): decode it leniently
        if value is None or "=?" in value:
            value = _decode_words(_unfold(value if value is not None else raw))
        out.append(_one_line(value))
    return out


def _addresses(msg: Message, name: str, defects: list[str]) -> list[tuple[str, str]]:
    """(display name, address) pairs; the address lower-cased. Unparseable entries are skipped."""
    found: list[tuple[str, str]] = []
    for raw in _raw_values(msg, name):
        raw = clean_text(_unfold(raw))
        try:
            pairs = getaddresses([raw])
        except Exception as exc:
            defects.append(f"header {name}: {type(exc).__name__}")
            pairs = []
        good = [(n, a) for n, a in pairs if _looks_like_address(a)]
        if not good:
            # `getaddresses` gives up on some real-world forms; take the first thing shaped like an address
            match = re.search(r"[^\s<>\"'(),;:@]{1,64}@[^\s<>\"'(),;:@]{1,190}\.[^\s<>\"'(),;:@]{1,63}", raw)
            if match:
                good = [("", match.group(0))]
        for display, address in good:
            found.append((_one_line(_decode_words(display)).strip("'\" "), address.strip().lower()))
    return found


def _looks_like_address(address: str) -> bool:
    local, at, domain = address.partition("@")
    return bool(local and at and domain and len(address) <= 254 and not re.search(r"[\s<>]", address))


_MSGID = re.compile(r"<([^<>\s]{1,900})>")


def _message_ids(values: list[str]) -> list[str]:
    """`<id>` tokens in order; a bare id without brackets (seen from some clients) counts too."""
    ids: list[str] = []
    for value in values:
        found = _MSGID.findall(value)
        if not found:
            found = [v for v in value.split() if "@" in v and len(v) <= 900]
        # a raw 8-bit byte arrives as a lone surrogate, which no store can encode: read it as text
        ids.extend(clean_text(i.strip().strip("<>")) for i in found)
    return [i for i in ids if i]


# headers the loop gate and the service read, decoded
GATE_HEADERS = (
    "auto-submitted",
    "precedence",
    "x-precedence",
    "x-autoreply",
    "x-autorespond",
    "x-autoreply-from",
    "x-mail-autoreply",
    "x-autogenerated",
    "x-auto-response-suppress",
    "x-loop",
    "x-loket-ticket",
    "list-id",
    "list-unsubscribe",
    "return-path",
    "x-failed-recipients",
    "feedback-type",
    "x-ms-exchange-inbox-rules-loop",
    "x-ms-exchange-generated-message-source",
)


# --- bodies --------------------------------------------------------------------------------------------


@dataclass
class _Segment:
    """One piece of the body in reading order: a text part, an HTML part, or both (from an alternative)."""

    text: str | None = None
    html: str | None = None


@dataclass
class _Acc:
    segments: list[_Segment] = field(default_factory=list)
    attachments: list[MailAttachment] = field(default_factory=list)
    calendar_method: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(s.text.strip("\n") for s in self.segments if s.text and s.text.strip())

    @property
    def html(self) -> str:
        return "\n".join(s.html for s in self.segments if s.html and s.html.strip())


def _payload_bytes(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def _part_text(part: Message) -> str:
    data = _payload_bytes(part)
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    text = clean_text(decode_bytes(data, charset))
    if part.get_content_type() == "text/plain" and _param(part, "format") == "flowed":
        text = _unflow(text, _param(part, "delsp") == "yes")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _param(part: Message, name: str) -> str:
    value = part.get_param(name)
    return value.strip().lower() if isinstance(value, str) else ""


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: join soft-broken lines (a line ending in a space continues)."""
    out: list[str] = []
    buffer = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith(" "):
            line = line[1:]  # space-stuffing
        if line.endswith(" ") and line != "-- ":
            buffer += line[:-1] if delsp else line
            continue
        out.append(buffer + line)
        buffer = ""
    if buffer:
        out.append(buffer)
    return "\n".join(out)


def _filename(part: Message, defects: list[str]) -> str | None:
    try:
        name = part.get_filename()
    except Exception as exc:
        defects.append(f"filename: {type(exc).__name__}")
        name = None
        for key in ("filename", "name"):
            raw = part.get_param(key, header="content-disposition") or part.get_param(key)
            if isinstance(raw, str):
                name = raw
                break
    if not name:
        return None
    return clean_filename(_decode_words(clean_text(str(name))))


_EXTENSIONS = {
    "text/calendar": ".ics",
    "text/plain": ".txt",
    "text/html": ".html",
    "message/rfc822": ".eml",
    "message/delivery-status": ".txt",
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
}


def _attachment(
    part: Message, acc: _Acc, defects: list[str], data: bytes | None = None, name: str | None = None
) -> None:
    ctype = part.get_content_type()
    filename = name or _filename(part, defects)
    if not filename:
        stem = "invite" if ctype == "text/calendar" else ctype.split("/")[0] if "/" in ctype else "attachment"
        filename = f"{stem}-{len(acc.attachments) + 1}{_EXTENSIONS.get(ctype, '.bin')}"
    raw_cid = part.get("Content-ID")
    cid = _MSGID.findall(str(raw_cid)) if raw_cid else []
    content_id = cid[0] if cid else (str(raw_cid).strip() or None if raw_cid else None)
    disposition = part.get_content_disposition()
    acc.attachments.append(
        MailAttachment(
            filename=filename,
            content_type=ctype if re.fullmatch(r"[\w.+-]+/[\w.+-]+", ctype) else "application/octet-stream",
            data=data if data is not None else _payload_bytes(part),
            inline=disposition == "inline" or (disposition is None and content_id is not None),
            content_id=content_id,
        )
    )


def _walk(part: Message, acc: _Acc, defects: list[str], depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        defects.append("MIME nesting too deep; the deeper parts are only in the raw mail")
        return
    ctype = part.get_content_type()
    if ctype.startswith("message/"):
        _message_part(part, acc, defects)
        return
    if part.is_multipart():
        children = part.get_payload()
        if not isinstance(children, list):
            return
        if ctype == "multipart/alternative":
            _alternative(children, acc, defects, depth)
            return
        for child in children:
            _walk_safely(child, acc, defects, depth + 1)
        return
    disposition = part.get_content_disposition()
    filename = _filename(part, defects)
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        text = _part_text(part)
        acc.segments.append(_Segment(html=text) if ctype == "text/html" else _Segment(text=text))
        return
    if ctype == "text/calendar":
        method = part.get_param("method")
        if isinstance(method, str):
            acc.calendar_method = method.upper()
        else:
            found = re.search(rb"^METHOD:\s*(\w+)", _payload_bytes(part), re.MULTILINE | re.IGNORECASE)
            acc.calendar_method = found.group(1).decode().upper() if found else acc.calendar_method
    _attachment(part, acc, defects)


def _alternative(children: list[Any], acc: _Acc, defects: list[str], depth: int) -> None:
    """The same content several ways: keep the last (preferred) text and the last HTML rendering."""
    subs = []
    for child in children:
        sub = _Acc()
        _walk_safely(child, sub, defects, depth + 1)
        subs.append(sub)
    texts = [s.text for s in subs if s.text.strip()]
    htmls = [s.html for s in subs if s.html.strip()]
    if texts or htmls:
        acc.segments.append(_Segment(text=texts[-1] if texts else None, html=htmls[-1] if htmls else None))
    for sub in subs:
        acc.attachments.extend(sub.attachments)
        acc.calendar_method = acc.calendar_method or sub.calendar_method


def _message_part(part: Message, acc: _Acc, defects: list[str]) -> None:
    """A forwarded or bounced message, a delivery status: kept whole as an attachment, never read as body."""
    ctype = part.get_content_type()
    payload = part.get_payload()
    name = _filename(part, defects)
    if ctype == "message/rfc822" and isinstance(payload, list) and payload and isinstance(payload[0], Message):
        inner = payload[0]
        try:
            data = inner.as_bytes(policy=policy.compat32)
        except Exception:
            data = str(inner).encode("utf-8", "surrogateescape")
        if not name:
            subject = header_values(inner, "subject", defects)
            name = clean_filename((subject[0] if subject and subject[0] else "forwarded message")[:80]) + ".eml"
    elif isinstance(payload, list):  # message/delivery-status and friends: blocks of header fields
        blocks = []
        for block in payload:
            if isinstance(block, Message):
                blocks.append("".join(f"{k}: {clean_text(str(v))}\n" for k, v in block.raw_items()))
        data = "\n".join(blocks).encode("utf-8")
        name = name or ("delivery-status.txt" if ctype == "message/delivery-status" else None)
    else:
        data = _payload_bytes(part)
    _attachment(part, acc, defects, data=data, name=name)


def _walk_safely(part: Any, acc: _Acc, defects: list[str], depth: int) -> None:
    if not isinstance(part, Message):
        return
    try:
        _walk(part, acc, defects, depth)
    except RecursionError:
        defects.append("MIME nesting too deep; the deeper parts are only in the raw mail")
    except Exception as exc:  # one bad part must not lose the others
        defects.append(f"part {part.get_content_type()}: {type(exc).__name__}")


# --- the entry point -----------------------------------------------------------------------------------


def _read(raw: bytes, which: str) -> Message:
    chosen = policy.default if which == "default" else policy.compat32
    return message_from_bytes(raw, policy=chosen)


def parse_message(raw: bytes) -> ParsedMail:
    """Everything Loket needs from a raw message. Raises MailParseError only when nothing can be read."""
    defects: list[str] = []
    raw = _skip_preamble(raw, defects)
    for which in ("default", "compat32"):
        try:
            msg = _read(raw, which)
            return _extract(msg, which, defects)
        except MailParseError:
            raise
        except Exception as exc:  # try the other policy, then give up cleanly
            defects.append(f"{which} parser: {type(exc).__name__}: {str(exc)[:200]}")
    raise MailParseError("; ".join(defects))


_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,76}:")


def _skip_preamble(raw: bytes, defects: list[str]) -> bytes:
    """Repair the header block the way lenient servers read it.

    One stray line before the headers (`---- Original message ----` from some forwarders) is dropped, and a
    line inside the header block that is neither a field nor a continuation (a wrapped value that lost its
    leading space) joins the field above, when more fields follow it before the blank line.
    """
    first, _sep, rest = raw.partition(b"\n")
    if first.strip() and not _HEADER_LINE.match(first) and not first.startswith(b"From ") and _HEADER_LINE.match(rest):
        defects.append("text before the header block was skipped")
        raw = rest
    end = raw.find(b"\n\n")
    crlf_end = raw.find(b"\r\n\r\n")
    if crlf_end != -1 and (end == -1 or crlf_end < end):
        end = crlf_end
    if end <= 0:
        return raw
    lines = raw[:end].split(b"\n")
    header_rows = [i for i, line in enumerate(lines) if _HEADER_LINE.match(line)]
    if not header_rows:
        return raw
    last_field = header_rows[-1]
    repaired = False
    for i, line in enumerate(lines):
        if 0 < i < last_field and line.strip() and line[:1] not in (b" ", b"\t") and not _HEADER_LINE.match(line):
            lines[i] = b" " + line
            repaired = True
    if not repaired:
        return raw
    defects.append("header lines without their continuation space were joined")
    return b"\n".join(lines) + raw[end:]


def _extract(msg: Message, which: str, defects: list[str]) -> ParsedMail:
    mail = ParsedMail(parser=which, defects=defects)

    def first(name: str) -> str:
        values = header_values(msg, name, defects)
        return values[0] if values else ""

    ids = _message_ids(_raw_values(msg, "message-id"))
    mail.message_id = ids[0] if ids else None
    mail.in_reply_to = _message_ids([_unfold(v) for v in _raw_values(msg, "in-reply-to")])
    mail.references = _message_ids([_unfold(v) for v in _raw_values(msg, "references")])
    mail.subject = first("subject")[:998]
    senders = (
        _addresses(msg, "from", defects) or _addresses(msg, "sender", defects) or _addresses(msg, "reply-to", defects)
    )
    if senders:
        mail.from_name, mail.from_email = senders[0]
    mail.reply_to = [a for _n, a in _addresses(msg, "reply-to", defects)]
    mail.to = [a for _n, a in _addresses(msg, "to", defects)]
    mail.cc = [a for _n, a in _addresses(msg, "cc", defects)]
    date = first("date")
    if date:
        try:
            mail.date = parsedate_to_datetime(date).isoformat()
        except (TypeError, ValueError, IndexError, OverflowError):
            defects.append("header date: unreadable")
    for name in GATE_HEADERS:
        values = header_values(msg, name, defects)
        if values:
            mail.headers[name] = values
    mail.content_type = msg.get_content_type()
    report = msg.get_param("report-type") if mail.content_type == "multipart/report" else None
    mail.report_type = report.lower() if isinstance(report, str) else None

    acc = _Acc()
    _walk_safely(msg, acc, defects, 0)
    mail.attachments = acc.attachments
    mail.calendar_method = acc.calendar_method
    mail.text, mail.html = _bodies(acc.segments)
    for defect in getattr(msg, "defects", []) or []:
        defects.append(type(defect).__name__)
    return mail


def _bodies(segments: list[_Segment]) -> tuple[str, str | None]:
    """(plain text, sanitized HTML or None): every segment in order; a missing rendering is derived."""
    import html as htmllib

    texts: list[str] = []
    htmls: list[str] = []
    any_html = any(s.html and s.html.strip() for s in segments)
    for segment in segments:
        if segment.text is not None and segment.text.strip():
            texts.append(segment.text.strip("\n"))
        elif segment.html:
            texts.append(mailhtml.to_text(segment.html))
        if any_html:
            if segment.html and segment.html.strip():
                htmls.append(segment.html)
            elif segment.text:
                htmls.append(f"<pre>{htmllib.escape(segment.text)}</pre>")
    text = "\n\n".join(t for t in texts if t.strip()).strip()
    return text, (mailhtml.sanitize("\n".join(htmls)) if htmls else None)
