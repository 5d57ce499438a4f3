"""Every mail in tests/mails parses into what its expectations say, without AWS."""

from __future__ import annotations

from typing import Any

import pytest

from loket.channels.email.loops import gate_reasons
from loket.channels.email.parse import parse_message
from tests.support.mail_corpus import corpus, raw

SUPPORT = "support@loket.example"


@pytest.mark.parametrize(("name", "spec"), corpus(), ids=[n for n, _ in corpus()])
def test_corpus_mail_parses_as_expected(name: str, spec: dict[str, Any]) -> None:
    mail = parse_message(raw(name))

    for field in ("subject", "from_name", "message_id"):
        if field in spec:
            assert getattr(mail, field) == spec[field], field
    if "from" in spec:
        assert mail.from_email == spec["from"]
    for fragment in spec.get("text_contains", []):
        assert fragment in mail.text
    for fragment in spec.get("text_excludes", []):
        assert fragment not in mail.text
    if "html" in spec:
        assert (mail.html is not None) is spec["html"]
    for fragment in spec.get("html_excludes", []):
        assert fragment.lower() not in (mail.html or "").lower()
    if "attachments" in spec:
        got = [{"filename": a.filename, "content_type": a.content_type, "inline": a.inline} for a in mail.attachments]
        assert got == spec["attachments"]
    reasons = gate_reasons(mail, None, [SUPPORT])
    if spec.get("gate") == []:
        assert reasons == []
    else:
        assert set(spec.get("gate", [])) <= set(reasons)
    # nothing a person could read is lost to surrogates or control characters
    assert "\ufffd" not in mail.text
    mail.text.encode("utf-8")
