"""Property: whatever bytes arrive, the parser returns clean text or a MailParseError, never anything else."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from loket.channels.email.loops import gate_reasons
from loket.channels.email.parse import MailParseError, ParsedMail, parse_message
from loket.channels.email.quote import strip_quoted
from tests.unit.mail.hostile import hostile_mail


def _clean(text: str) -> bool:
    text.encode("utf-8")  # raises on lone surrogates, which DynamoDB would refuse
    return "\x00" not in text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_mail())
def test_parse_hostile_mime_never_raises_and_gives_clean_text(raw: bytes) -> None:
    try:
        mail = parse_message(raw)
    except MailParseError:
        return  # the caller quarantines the raw mail with this reason
    assert isinstance(mail, ParsedMail)
    for value in [mail.subject, mail.text, mail.from_email, mail.from_name, *mail.to, *mail.cc, mail.html or ""]:
        assert _clean(value)
    for attachment in mail.attachments:
        assert _clean(attachment.filename)
        assert "/" not in attachment.filename and "\\" not in attachment.filename
        assert isinstance(attachment.data, bytes)
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert "<script" not in (mail.html or "").lower()
    gate_reasons(mail, "", ["support@loket.example"])
    strip_quoted(mail.text)
