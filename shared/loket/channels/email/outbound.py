"""Building the mail Loket sends: one `EmailMessage` (policy SMTP) per notification, never string concatenation.

Every header value that comes from a person (a subject, a display name) passes through
`header_text`, which turns CR, LF, NUL and other control characters into spaces. The std library
would refuse such a value with a ValueError; cleaning it instead means the mail still goes out,
with the text on one line and no header smuggled in (`Subject: hi\\r\\nBcc: x@evil` stays a subject).

Addresses are checked with email-validator before they reach a header or the SES destinations;
message ids copied from inbound mail (for In-Reply-To and References) are kept only when they look
like `<left@right>` with printable characters.

Internationalized addresses (RFC 6531) are received and kept as sent, but SES sends to 7-bit ASCII
addresses only (it does not support SMTPUTF8 when sending): a domain in Unicode goes out in its IDNA
(Punycode) form, which is the same mailbox; a local part in Unicode has no ASCII form, so SES cannot
send to it at all (`needs_smtputf8`), and the caller leaves that recipient out and says why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from email_validator import EmailNotValidError, validate_email

from loket.core.domain.ticket import format_number

AUTO_REPLIED = "auto-replied"  # RFC 3834: a response to a message (the acknowledgement)
AUTO_GENERATED = "auto-generated"  # RFC 3834: a notification not caused by a message (assignment notice)
LOOP_HEADER = "X-Loket-Ticket"  # our own marker; inbound mail carrying it came from us

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_SPACES = re.compile(r"\s{2,}")
_MSGID = re.compile(r"^<?([!-;=?-~]{1,250}@[!-;=?-~]{1,250})>?$")  # printable, no '<' or '>'
MAX_SUBJECT = 200
MAX_REFERENCES = 10


def header_text(value: str, limit: int = MAX_SUBJECT) -> str:
    """A person's text made safe for one header line: control characters become spaces."""
    flat = _SPACES.sub(" ", _CONTROL.sub(" ", value or "")).strip()
    return flat[:limit].rstrip()


def clean_address(value: str | None) -> str | None:
    """A valid mailbox SES can send to: `local@domain` normalised, 7-bit ASCII, the domain in IDNA (Punycode).

    None for an invalid address, and for one whose local part is not ASCII (see `needs_smtputf8`).
    """
    if not value or _CONTROL.search(value):
        return None
    try:
        valid = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    return valid.ascii_email or None  # None when the local part is not ASCII: no ASCII form exists


def needs_smtputf8(value: str | None) -> bool:
    """A valid address whose local part is not ASCII (`josé@example.com`): only SMTPUTF8 can carry it, and SES
    does not send with SMTPUTF8, so no mail can go to it through SES."""
    if not value or _CONTROL.search(value):
        return False
    try:
        return validate_email(value.strip(), check_deliverability=False).ascii_email is None
    except EmailNotValidError:
        return False


def clean_message_id(value: str | None) -> str | None:
    """`<id@host>` for a plausible message id, else None (inbound ids are untrusted)."""
    if not value:
        return None
    match = _MSGID.match(value.strip())
    return f"<{match.group(1)}>" if match else None


def message_id_for(event_id: str, domain: str) -> str:
    """The Message-ID of the mail caused by one outbox event.

    Derived from the event id, not `make_msgid`, so that a retry builds the same id: the lookup item
    written before sending is the same item, and a duplicate sent in the one window where that can
    happen (see `loket.channels.email.notify`) carries the same Message-ID, which mail clients collapse.
    """
    safe = re.sub(r"[^A-Za-z0-9.-]", "", event_id)[:64] or "event"
    return f"<loket.{safe}@{domain}>"


def thread_references(ids: Iterable[str | None]) -> list[str]:
    """Clean, de-duplicated ids in order, trimmed to the first one and the most recent ones.

    RFC 5322 3.6.4 allows trimming References; keeping the root and the tail is what clients use.
    """
    refs: list[str] = []
    seen: set[str] = set()
    for raw in ids:
        mid = clean_message_id(raw)
        if mid and mid.lower() not in seen:
            seen.add(mid.lower())
            refs.append(mid)
    if len(refs) > MAX_REFERENCES:
        refs = [refs[0], *refs[-(MAX_REFERENCES - 1) :]]
    return refs


def ticket_subject(number: int, subject: str) -> str:
    """`[LKT-1042] subject`: the token inbound threading looks for."""
    return f"[{format_number(number)}] {header_text(subject)}".rstrip()


@dataclass(frozen=True)
class Mailbox:
    address: str
    name: str = ""


@dataclass(frozen=True)
class File:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Outgoing:
    """Everything one notification mail needs; `build` turns it into MIME."""

    sender: Mailbox
    to: list[Mailbox]
    subject: str
    text: str
    message_id: str
    ticket_number: int
    date: datetime
    cc: list[Mailbox] = field(default_factory=list)
    html: str | None = None
    reply_to: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    auto_submitted: str | None = None
    language: str = "id"
    files: list[File] = field(default_factory=list)

    @property
    def destinations(self) -> list[str]:
        """The SES envelope recipients: exactly the To and Cc addresses, nothing parsed back from headers."""
        return [m.address for m in [*self.to, *self.cc]]


def _mailbox(box: Mailbox) -> Address:
    local, _, domain = box.address.rpartition("@")
    return Address(display_name=header_text(box.name, 100), username=local, domain=domain)


def build(out: Outgoing) -> EmailMessage:
    """The MIME message: text/plain, plus text/html when `html` is given (already sanitised), plus `files`."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = _mailbox(out.sender)
    msg["To"] = [_mailbox(m) for m in out.to]
    if out.cc:
        msg["Cc"] = [_mailbox(m) for m in out.cc]
    if out.reply_to:
        msg["Reply-To"] = out.reply_to
    msg["Subject"] = header_text(out.subject, MAX_SUBJECT + 40)
    msg["Date"] = format_datetime(out.date)
    msg["Message-ID"] = out.message_id
    if out.in_reply_to:
        msg["In-Reply-To"] = out.in_reply_to
    if out.references:
        msg["References"] = " ".join(out.references)
    if out.auto_submitted:
        msg["Auto-Submitted"] = out.auto_submitted
        msg["X-Auto-Response-Suppress"] = "All"  # Exchange: no out-of-office replies to our automatic mail
    msg[LOOP_HEADER] = format_number(out.ticket_number)
    msg.set_content(out.text, charset="utf-8")
    if out.html:
        msg.add_alternative(out.html, subtype="html", charset="utf-8")
    for file in out.files:
        maintype, _, subtype = file.content_type.partition("/")
        if not (maintype and subtype) or maintype == "multipart":
            maintype, subtype = "application", "octet-stream"
        # the name goes in RFC 2231 form when it needs to; a file name never becomes a header of its own
        msg.add_attachment(file.data, maintype=maintype, subtype=subtype, filename=header_text(file.filename, 150))
    msg["Content-Language"] = out.language  # after the content: set_content() drops Content-* headers
    return msg
