"""One cleaner for the names of attached files, whichever channel brought the file."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from urllib3 import encode_multipart_formdata

from loket.channels.email.parse import parse_message
from loket.channels.web import forms
from loket.platform.attachments import MAX_FILENAME, clean_filename

LONG = "laporan-" + "x" * 180 + ".pdf"
NAMES = [
    ("invoice\u202efdp.exe", "invoicefdp.exe"),  # a right-to-left override would show it as "invoiceexe.pdf"
    ("a\x00b\x1fc.txt", "abc.txt"),
    ("C:\\Users\\ayu\\shot.png", "shot.png"),
    ("..\\..\\evil.exe", "evil.exe"),
    ("  catatan rapat.docx  ", "catatan rapat.docx"),
    (".htaccess", "htaccess"),  # no hidden files on the customer's disk
    ("report.", "report"),  # Windows drops trailing dots: save what it would show
    ("...", "attachment"),
    (LONG, LONG[:MAX_FILENAME]),
]


@pytest.mark.parametrize(("raw", "clean"), NAMES)
def test_the_cleaner(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean
    assert len(clean_filename(raw)) <= MAX_FILENAME


def _mail_with(name: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "ayu@example.org"
    msg.set_content("see attached")
    msg.add_attachment(b"data", maintype="application", subtype="octet-stream", filename=name)
    return msg.as_bytes()


@pytest.mark.parametrize(("raw", "clean"), NAMES)
def test_a_mail_attachment_gets_the_same_name(raw: str, clean: str) -> None:
    (attachment,) = parse_message(_mail_with(raw)).attachments

    assert attachment.filename == clean


# the multipart parser unquotes backslashes (quoted-string) before any cleaner sees the name
@pytest.mark.parametrize(("raw", "clean"), [(raw, clean) for raw, clean in NAMES if "\\" not in raw])
def test_a_web_form_upload_gets_the_same_name(raw: str, clean: str) -> None:
    body, content_type = encode_multipart_formdata([("attachments", (raw, b"data", "application/octet-stream"))])

    (upload,) = forms.parse_body(body, content_type).files["attachments"]

    assert upload.filename == clean
