"""What the customer sent: request bodies parsed with the standard library, checked field by field.

Nothing here touches AWS. Errors are `FieldError`s (a field name and a message key of `i18n`), so
the HTML form and the JSON endpoint report the same problems in the customer's language.
"""

from __future__ import annotations

import re
import secrets
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from loket.platform import signing
from loket.platform.attachments import clean_filename

HONEYPOT_FIELD = "website"  # a field name bots like to fill
TOKEN_FIELD = "form_token"

MAX_NAME = 100
MAX_EMAIL = 254
MAX_SUBJECT = 200
MAX_MESSAGE = 20_000

# what customers may attach: documents, images, logs and archives; nothing a browser would run
ALLOWED_EXTENSIONS = (
    "pdf", "png", "jpg", "jpeg", "gif", "webp", "txt", "csv", "log", "json",
    "doc", "docx", "xls", "xlsx", "odt", "ods", "zip",
)  # fmt: skip

_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}


class BadBody(Exception):
    """The body cannot be read as the content type it claims (truncated multipart, bad encoding...)."""


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class FormData:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, list[Upload]] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.fields.get(name, "")


@dataclass(frozen=True)
class FieldError:
    field: str  # the form field it belongs to ("form" for the whole form)
    code: str  # a message key in i18n (err_...)
    params: tuple[tuple[str, Any], ...] = ()

    def message(self, t: Any) -> str:
        params = dict(self.params)
        if "field" in params:
            params["field"] = t(f"field_{params['field']}")
        if "size" in params:
            params["size"] = t.size(int(params["size"]))
        return str(t(self.code, **params))


@dataclass(frozen=True)
class Limits:
    max_files: int
    max_file_bytes: int
    max_total_bytes: int
    categories: tuple[str, ...]


@dataclass
class TicketForm:
    name: str
    email: str
    subject: str
    category: str
    message: str
    attachments: list[Upload]


# --- parsing ------------------------------------------------------------------------------------


def parse_body(body: bytes, content_type: str) -> FormData:
    """multipart/form-data (with files) or application/x-www-form-urlencoded into fields and files."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=100)
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadBody("the form body is not valid UTF-8 url-encoding") from exc
        return FormData(fields={name: values[0] for name, values in pairs.items()})
    if media != "multipart/form-data":
        raise BadBody(f"unsupported content type {media or '(none)'}")
    return _parse_multipart(body, content_type)


def _parse_multipart(body: bytes, content_type: str) -> FormData:
    from email.parser import BytesParser
    from email.policy import HTTP

    if "\r" in content_type or "\n" in content_type:
        raise BadBody("bad content type")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart() or message.defects:
        raise BadBody("the multipart body is malformed")
    data = FormData()
    for count, part in enumerate(message.iter_parts()):
        if count >= 100:
            raise BadBody("too many parts")
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            continue
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            if filename == "" and not raw:
                continue  # an empty file input: the browser sends a part with no name and no bytes
            # browsers escape a quote and line breaks in a multipart name (HTML's form encoding)
            filename = filename.replace("%22", '"').replace("%0A", " ").replace("%0D", " ")
            upload = Upload(clean_filename(filename), part.get_content_type(), raw)
            data.files.setdefault(name, []).append(upload)
            continue
        try:
            data.fields.setdefault(name, raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise BadBody(f"field {name} is not UTF-8") from exc
    return data


# --- cleaning and validation --------------------------------------------------------------------


def clean_line(value: str) -> str:
    """One line of text: control characters and line breaks become spaces, runs of spaces collapse."""
    chars = [" " if unicodedata.category(ch) in _CONTROL else ch for ch in value]
    return " ".join("".join(chars).split())


def clean_text(value: str) -> str:
    """Multi-line text: line breaks normalized to \\n, other control characters dropped, ends trimmed."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    kept = [ch for ch in value if ch in "\n\t" or unicodedata.category(ch) not in _CONTROL]
    return "".join(kept).strip()


def count_links(*texts: str) -> int:
    return sum(len(_LINK.findall(text)) for text in texts)


def _check_email(value: str) -> str | None:
    """The normalized address, or None when it is not a valid address (no DNS lookups)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


def _check_length(errors: list[FieldError], name: str, value: str, maximum: int) -> None:
    if not value:
        errors.append(FieldError(name, "err_required", (("field", name),)))
    elif len(value) > maximum:
        errors.append(FieldError(name, "err_too_long", (("field", name), ("max", maximum))))


def check_files(files: list[Upload], limits: Limits, field_name: str = "attachments") -> list[FieldError]:
    errors: list[FieldError] = []
    if len(files) > limits.max_files:
        errors.append(FieldError(field_name, "err_too_many_files", (("max", limits.max_files),)))
    for upload in files:
        extension = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
        if extension not in ALLOWED_EXTENSIONS:
            errors.append(
                FieldError(
                    field_name, "err_file_type", (("name", upload.filename), ("types", ", ".join(ALLOWED_EXTENSIONS)))
                )
            )
        elif upload.size == 0:
            errors.append(FieldError(field_name, "err_file_empty", (("name", upload.filename),)))
        elif upload.size > limits.max_file_bytes:
            errors.append(
                FieldError(
                    field_name, "err_file_too_large", (("name", upload.filename), ("size", limits.max_file_bytes))
                )
            )
    if sum(u.size for u in files) > limits.max_total_bytes and not errors:
        errors.append(FieldError(field_name, "err_total_too_large", (("size", limits.max_total_bytes),)))
    return errors


def validate_ticket(data: FormData, limits: Limits) -> tuple[TicketForm, list[FieldError]]:
    """The cleaned form and its problems (empty when it may become a ticket)."""
    form = TicketForm(
        name=clean_line(data.get("name")),
        email=clean_line(data.get("email")),
        subject=clean_line(data.get("subject")),
        category=clean_line(data.get("category")),
        message=clean_text(data.get("message")),
        attachments=list(data.files.get("attachments", [])),
    )
    errors: list[FieldError] = []
    _check_length(errors, "name", form.name, MAX_NAME)
    if not form.email:
        errors.append(FieldError("email", "err_required", (("field", "email"),)))
    elif len(form.email) > MAX_EMAIL or (normalized := _check_email(form.email)) is None:
        errors.append(FieldError("email", "err_invalid_email"))
    else:
        form.email = normalized
    _check_length(errors, "subject", form.subject, MAX_SUBJECT)
    if form.category not in limits.categories:
        errors.append(FieldError("category", "err_invalid_category"))
    _check_length(errors, "message", form.message, MAX_MESSAGE)
    errors.extend(check_files(form.attachments, limits))
    return form, errors


def validate_reply(data: FormData, limits: Limits) -> tuple[str, list[Upload], list[FieldError]]:
    message = clean_text(data.get("message"))
    files = list(data.files.get("attachments", []))
    errors: list[FieldError] = []
    _check_length(errors, "message", message, MAX_MESSAGE)
    errors.extend(check_files(files, limits))
    return message, files, errors


# --- the form's hidden token ----------------------------------------------------------------------


@dataclass(frozen=True)
class FormToken:
    """A one-time nonce (the ticket's client key) and the time the form was rendered, signed together."""

    nonce: str
    issued_at: int

    def encode(self) -> str:
        body = f"{self.nonce}.{self.issued_at}"
        return f"{body}.{signing.sign('form', body)}"


def issue_token(now: float | None = None) -> str:
    return FormToken(secrets.token_hex(16), int(now if now is not None else time.time())).encode()


def read_token(value: str) -> FormToken | None:
    """The token if it is well formed and signed by us, else None."""
    parts = value.strip().split(".")
    if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{32}", parts[0]) or not parts[1].isdigit():
        return None
    if not signing.verify("form", f"{parts[0]}.{parts[1]}", parts[2]):
        return None
    return FormToken(parts[0], int(parts[1]))
