"""Building outbound mail: headers from untrusted text, addresses, threading ids, languages (no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from loket.channels.email import outbound, templates
from loket.channels.email.outbound import Mailbox, Outgoing
from loket.core.domain.language import LANGUAGES, pick

WHEN = datetime(2025, 12, 25, 9, 30, tzinfo=UTC)


def _outgoing(**overrides: object) -> Outgoing:
    values: dict[str, object] = {
        "sender": Mailbox("support@loket.example", "Loket Support"),
        "to": [Mailbox("ani@customer.example", "Ani Wijaya")],
        "subject": outbound.ticket_subject(1042, "Tagihan"),
        "text": "Halo,\n\nterima kasih.\n",
        "message_id": outbound.message_id_for("a1b2c3", "loket.example"),
        "ticket_number": 1042,
        "date": WHEN,
    }
    values.update(overrides)
    return Outgoing(**values)  # type: ignore[arg-type]


def _parsed(out: Outgoing):  # type: ignore[no-untyped-def]
    raw = outbound.build(out).as_bytes()
    return raw, message_from_bytes(raw, policy=policy.default)


def test_subject_with_crlf_bcc_stays_one_subject_line() -> None:
    raw, msg = _parsed(_outgoing(subject=outbound.ticket_subject(1042, "Hi\r\nBcc: evil@attacker.example")))

    assert msg["Bcc"] is None
    assert b"\r\nBcc:" not in raw
    assert msg["Subject"] == "[LKT-1042] Hi Bcc: evil@attacker.example"
    assert len(msg.get_all("Subject")) == 1


def test_display_name_with_newline_header_does_not_add_a_header() -> None:
    raw, msg = _parsed(_outgoing(to=[Mailbox("ani@customer.example", "Ani\nBcc: evil@attacker.example\r\nX-Evil: 1")]))

    assert msg["Bcc"] is None and msg["X-Evil"] is None
    assert b"\r\nX-Evil:" not in raw
    assert msg["To"].addresses[0].addr_spec == "ani@customer.example"
    assert outbound.build(_outgoing()).get_all("To") is not None


def test_encoded_newline_in_subject_after_decoding_is_flattened() -> None:
    # what `Subject: hi =?UTF-8?Q?=0A?=Bcc: x` decodes to on the inbound side
    assert outbound.header_text("hi \nBcc: x@evil.example") == "hi Bcc: x@evil.example"
    assert outbound.header_text("a\x00b\u2028c\x7fd") == "a b c d"


def test_automatic_mail_carries_auto_submitted_and_loop_marker() -> None:
    _raw, msg = _parsed(_outgoing(auto_submitted=outbound.AUTO_REPLIED))

    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg[outbound.LOOP_HEADER] == "LKT-1042"


def test_human_reply_has_no_auto_submitted_header() -> None:
    _raw, msg = _parsed(_outgoing())

    assert msg["Auto-Submitted"] is None


def test_threading_headers_are_set_from_references() -> None:
    refs = outbound.thread_references(["<root@customer.example>", "mid-2@customer.example"])
    _raw, msg = _parsed(_outgoing(in_reply_to=refs[-1], references=refs, reply_to="support+LKT-1042.abc@loket.example"))

    assert msg["In-Reply-To"] == "<mid-2@customer.example>"
    assert msg["References"] == "<root@customer.example> <mid-2@customer.example>"
    assert msg["Reply-To"] == "support+LKT-1042.abc@loket.example"
    assert msg["Message-ID"] == "<loket.a1b2c3@loket.example>"


def test_thread_references_drop_bad_ids_and_duplicates_and_trim_the_middle() -> None:
    ids = ["<a@x>", "bad id with spaces", None, "<a@x>", "<evil\r\nBcc: y@z>", *[f"<m{i}@x>" for i in range(20)]]

    refs = outbound.thread_references(ids)

    assert refs[0] == "<a@x>"
    assert refs[-1] == "<m19@x>"
    assert len(refs) == outbound.MAX_REFERENCES
    assert all("\n" not in r and " " not in r for r in refs)


def test_message_id_for_the_same_event_is_the_same() -> None:
    assert outbound.message_id_for("e1", "loket.example") == outbound.message_id_for("e1", "loket.example")
    assert outbound.message_id_for("e1", "loket.example") != outbound.message_id_for("e2", "loket.example")
    assert outbound.message_id_for("e<1>\r\n", "loket.example") == "<loket.e1@loket.example>"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Ani@Customer.Example", "Ani@customer.example"),
        ("no-at-sign", None),
        ("a@b.example\r\nBcc: x@y.example", None),
        ("", None),
        (None, None),
    ],
)
def test_clean_address_accepts_only_valid_mailboxes(value: str | None, expected: str | None) -> None:
    assert outbound.clean_address(value) == expected


def test_html_alternative_keeps_the_text_part_and_the_language() -> None:
    _raw, msg = _parsed(_outgoing(html="<p>Halo</p>", language="en"))

    assert msg.get_content_type() == "multipart/alternative"
    assert msg.get_body(("plain",)).get_content().startswith("Halo,")  # type: ignore[union-attr]
    assert msg.get_body(("html",)).get_content().strip() == "<p>Halo</p>"  # type: ignore[union-attr]
    assert msg["Content-Language"] == "en"


@pytest.mark.parametrize(
    ("preferred", "default", "expected"),
    [
        ("en", "id", "en"),
        ("en-US", "id", "en"),
        ("id_ID", "en", "id"),
        ("fr", "en", "en"),
        (None, "id", "id"),
        ("", "xx", "id"),
        ("in", "en", "id"),  # the old code for Indonesian, as the web pages read it
    ],
)
def test_language_falls_back_to_the_default(preferred: str | None, default: str, expected: str) -> None:
    assert pick(preferred, default) == expected


def test_every_template_exists_in_every_language_with_the_ticket_number() -> None:
    values = {"number": "LKT-7", "subject": "S", "greeting": "Hi", "team": "T", "body": "B", "author": ""}
    values |= {"requester": "R", "priority": "normal", "status": "open", "group": "support", "status_link": ""}
    values |= {"metric": "M", "due_at": "D", "policy": "P", "target": 60, "resolves_at": "2026-12-08 03:01 UTC"}
    for name in templates.TEMPLATES:
        for lang in LANGUAGES:
            rendered = templates.render(name, lang, values)
            assert rendered.subject
            assert "LKT-7" in rendered.text


def test_placeholders_in_customer_text_are_not_interpreted() -> None:
    rendered = templates.render(
        "acknowledgement",
        "en",
        {"number": "LKT-7", "subject": "{number} {0.__class__}", "greeting": "Hi", "team": "T", "status_link": ""},
    )

    assert "{number} {0.__class__}" in rendered.text


def test_every_language_names_every_sla_metric() -> None:
    for lang in LANGUAGES:
        assert set(templates.SLA_METRICS[lang]) == {"first_response", "next_response", "resolution"}
