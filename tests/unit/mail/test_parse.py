"""Parsing hazards one by one: broken headers, charsets, RFC 2047 edge cases, structure, file names."""

from __future__ import annotations

import base64

import pytest

from loket.channels.email.parse import decode_bytes, parse_message


def test_parse_header_that_crashes_modern_policy_falls_back_to_compat32() -> None:
    mail = parse_message(b"From: a@example.org\r\nSubject: x\r\nContent-Type: text/plain; name*\r\n\r\nbody\r\n")

    assert mail.parser == "compat32"
    assert mail.text == "body"
    assert mail.from_email == "a@example.org"


def test_parse_outlook_bracket_message_id_is_read_raw() -> None:
    mail = parse_message(b"From: a@example.org\r\nMessage-ID: <[anu10]x@[anu13]y>\r\n\r\nbody\r\n")

    assert mail.message_id == "[anu10]x@[anu13]y"


def test_parse_encoded_newline_in_subject_stays_one_line() -> None:
    mail = parse_message(b"From: a@example.org\r\nSubject: hi =?UTF-8?Q?=0A?=Bcc: injected@example.com\r\n\r\nx\r\n")

    assert "\n" not in mail.subject
    assert mail.subject.startswith("hi")


def test_parse_encoded_word_in_address_is_not_decoded_into_another_address() -> None:
    mail = parse_message(b"From: =?utf-8?q?agent=40loket.example?=@attacker.example\r\n\r\nx\r\n")

    assert mail.from_email.endswith("@attacker.example")
    assert mail.from_email != "agent@loket.example"


def test_parse_encoded_words_split_across_lines_join() -> None:
    raw = b"From: a@example.org\r\nSubject: =?utf-8?B?QXBsaWthc2kg?=\r\n =?utf-8?Q?crash_=F0=9F=98=AD?=\r\n\r\nx\r\n"

    assert parse_message(raw).subject == "Aplikasi crash \U0001f62d"


def test_parse_raw_utf8_header_bytes_decode() -> None:
    raw = "From: Jürgen <j@example.de>\r\nSubject: Rückfrage zur Rechnung\r\n\r\nx\r\n".encode()

    mail = parse_message(raw)

    assert mail.subject == "Rückfrage zur Rechnung"
    assert mail.from_name == "Jürgen"


def test_parse_raw_latin1_header_bytes_decode_without_surrogates() -> None:
    raw = "From: a@example.org\r\nSubject: Réclamation\r\n\r\nx\r\n".encode("latin-1")

    assert parse_message(raw).subject == "Réclamation"


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ("Grüße".encode("latin-1"), "iso-8859-1", "Grüße"),
        ("\u201cquoted\u201d".encode("cp1252"), "iso-8859-1", "\u201cquoted\u201d"),  # Latin-1 label, 1252 bytes
        ("Grüße".encode(), "x-unknown-nonsense", "Grüße"),
        ("Grüße".encode("cp1252"), "utf-8", "Grüße"),  # wrong label: falls back
        ("日本語".encode("shift_jis"), "x-sjis", "日本語"),
        ("한국어".encode("cp949"), "ks_c_5601-1987", "한국어"),
        ("简体".encode("gb18030"), "gb2312", "简体"),
        (b"plain", None, "plain"),
    ],
)
def test_decode_bytes_follows_labels_and_falls_back(data: bytes, charset: str | None, expected: str) -> None:
    assert decode_bytes(data, charset) == expected


def test_parse_html_only_gets_derived_text_and_sanitized_html() -> None:
    raw = (
        b"From: a@example.org\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<p onclick='x()'>Hello <b>there</b></p><script>alert(1)</script><br>Line two"
    )

    mail = parse_message(raw)

    assert mail.text == "Hello there\n\nLine two"
    assert mail.html is not None
    assert "script" not in mail.html and "onclick" not in mail.html
    assert "<b>there</b>" in mail.html


def test_parse_mixed_text_then_html_parts_keep_both_in_order() -> None:
    raw = (
        b"From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain\r\n\r\nfirst part\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>second part</p>\r\n--b--\r\n"
    )

    mail = parse_message(raw)

    assert mail.text == "first part\n\nsecond part"
    assert mail.html is not None and "<pre>first part" in mail.html and "second part" in mail.html


def test_parse_text_before_headers_is_skipped() -> None:
    raw = b"---- Original message ----\nFrom: a@example.org\nSubject: Contact\n\nbody\n"

    mail = parse_message(raw)

    assert mail.subject == "Contact"
    assert mail.text == "body"


def test_parse_header_line_without_continuation_space_joins_field_above() -> None:
    raw = b"From: a@example.org\nX-Spam: a,\nscore=1.0: b\nSubject: Kept\n\nbody\n"

    mail = parse_message(raw)

    assert mail.subject == "Kept"
    assert mail.text == "body"


def test_parse_format_flowed_joins_soft_breaks() -> None:
    raw = b"From: a@example.org\r\nContent-Type: text/plain; format=flowed\r\n\r\nThis line is \r\nsoft broken.\r\n-- \r\nsig\r\n"

    assert parse_message(raw).text == "This line is soft broken.\n-- \nsig"


def test_parse_attachment_names_lose_paths_and_control_characters() -> None:
    raw = (
        b"From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
        b"--b\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="..\\\\..\\\\win\\\\evil.exe"\r\n\r\nMZ\r\n--b--\r\n'
    )

    (attachment,) = parse_message(raw).attachments

    assert attachment.filename == "evil.exe"


def test_parse_uuencoded_part_is_decoded() -> None:
    raw = (
        b"From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee file\r\n"
        b"--b\r\nContent-Type: application/octet-stream; name=a.txt\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n"
        b"begin 644 a.txt\r\n#:&D*\r\n`\r\nend\r\n--b--\r\n"
    )

    (attachment,) = parse_message(raw).attachments

    assert attachment.data == b"hi\n"


def test_parse_deep_nesting_keeps_what_it_can_and_says_so() -> None:
    depth = 60
    opening = "".join(f"Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n" for i in range(depth))
    raw = f"From: a@example.org\nSubject: deep\n{opening}Content-Type: text/plain\n\nhi\n".encode()

    mail = parse_message(raw)

    assert mail.subject == "deep"
    assert any("nesting" in d for d in mail.defects)


def test_parse_references_and_in_reply_to_are_lists_of_ids() -> None:
    raw = b"From: a@example.org\r\nIn-Reply-To: <a@x> (comment)\r\nReferences: <r1@x>\r\n\t<r2@x> <r3@x>\r\n\r\nx\r\n"

    mail = parse_message(raw)

    assert mail.in_reply_to == ["a@x"]
    assert mail.references == ["r1@x", "r2@x", "r3@x"]


def test_parse_from_falls_back_to_reply_to() -> None:
    mail = parse_message(b"Reply-To: <only-reply@example.org>\r\nSubject: x\r\n\r\nbody\r\n")

    assert mail.from_email == "only-reply@example.org"


def test_parse_gb2312_label_on_gbk_text_decodes_leniently() -> None:
    encoded = base64.b64encode("內應力產生".encode("gbk")).decode()
    raw = f"From: a@example.org\r\nSubject: =?GB2312?B?{encoded}?=\r\n\r\nx\r\n".encode()

    assert parse_message(raw).subject == "內應力產生"


def test_a_message_id_with_an_8bit_byte_is_text_dynamodb_can_store() -> None:
    """Found by the hostile-mail property: a raw byte in a Message-ID reached the lookup key as a lone surrogate and
    the ticket's transaction failed on it."""
    raw = b"From: a@example.com\r\nMessage-ID: <x\x80y@example.com>\r\nIn-Reply-To: <r\xffe@example.com>\r\n\r\nhi\r\n"

    mail = parse_message(raw)

    assert mail.message_id is not None and mail.in_reply_to
    for value in (mail.message_id, *mail.in_reply_to):
        value.encode("utf-8")  # no lone surrogate left
    assert mail.message_id.startswith("x") and mail.message_id.endswith("y@example.com")
