"""Parsing and validating what the customer sent, and the form's signed token (no AWS)."""

from __future__ import annotations

import time

import pytest
from urllib3 import encode_multipart_formdata

from loket.channels.web import forms
from loket.channels.web.forms import BadBody, FormData, FormToken, Limits, Upload
from loket.channels.web.i18n import Translator
from loket.platform import attachments

LIMITS = Limits(max_files=2, max_file_bytes=100, max_total_bytes=150, categories=("general", "billing"))
GOOD = {"name": "Ayu", "email": "Ayu@Example.COM", "subject": "Hi", "category": "general", "message": "Hello"}


def _codes(errors: list[forms.FieldError]) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in errors}


# --- parsing ------------------------------------------------------------------------------------


def test_parse_multipart_fields_and_binary_files_round_trip() -> None:
    data = bytes(range(256)) * 3 + b"\r\n--boundary-like\r\n"
    body, content_type = encode_multipart_formdata([
        ("name", "Budé"), ("attachments", ("a.bin", data, "application/octet-stream")),
        ("attachments", ("b.txt", b"x", "text/plain")),
    ])  # fmt: skip

    parsed = forms.parse_body(body, content_type)

    assert parsed.fields == {"name": "Budé"}
    assert [(u.filename, u.data) for u in parsed.files["attachments"]] == [("a.bin", data), ("b.txt", b"x")]


def test_parse_multipart_empty_file_input_is_ignored() -> None:
    body = (
        b'--B\r\nContent-Disposition: form-data; name="attachments"; filename=""\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n\r\n--B--\r\n"
    )

    parsed = forms.parse_body(body, "multipart/form-data; boundary=B")

    assert parsed.files == {}


def test_parse_multipart_path_in_filename_keeps_only_the_name() -> None:
    body, content_type = encode_multipart_formdata([("attachments", ("home/ayu/shot.png", b"x", "image/png"))])

    parsed = forms.parse_body(body, content_type)

    assert parsed.files["attachments"][0].filename == "shot.png"


def test_parse_urlencoded_fields() -> None:
    parsed = forms.parse_body(b"name=Ayu+S&message=a%0Ab", "application/x-www-form-urlencoded; charset=utf-8")

    assert parsed.fields == {"name": "Ayu S", "message": "a\nb"}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"garbage", "multipart/form-data; boundary=B"),
        (
            b'--B\r\nContent-Disposition: form-data; name="x"\r\n\r\n\xff\r\n--B--\r\n',
            "multipart/form-data; boundary=B",
        ),
        (b"\xff\xfe=1", "application/x-www-form-urlencoded"),
        (b"{}", "application/json"),
        (b"x", ""),
        (b"x", "multipart/form-data; boundary=B\r\nX-Injected: 1"),
    ],
)
def test_parse_body_unreadable_raises_bad_body(body: bytes, content_type: str) -> None:
    with pytest.raises(BadBody):
        forms.parse_body(body, content_type)


# --- validation ---------------------------------------------------------------------------------


def test_validate_ticket_good_input_is_cleaned_and_accepted() -> None:
    form, errors = forms.validate_ticket(
        FormData(fields={**GOOD, "name": "  Ayu\r\n  Lestari ", "message": "line 1\r\nline 2\x00 "}), LIMITS
    )

    assert errors == []
    assert form.name == "Ayu Lestari"
    assert form.email == "Ayu@example.com"  # the domain is normalized, the local part kept
    assert form.message == "line 1\nline 2"


def test_validate_ticket_empty_form_reports_every_required_field() -> None:
    _form, errors = forms.validate_ticket(FormData(), LIMITS)

    assert _codes(errors) == {
        ("name", "err_required"), ("email", "err_required"), ("subject", "err_required"),
        ("category", "err_invalid_category"), ("message", "err_required"),
    }  # fmt: skip


@pytest.mark.parametrize("email", ["plain", "a@b", "a@@b.com", "a b@c.com", "x" * 250 + "@example.com"])
def test_validate_ticket_bad_email_reports_invalid_email(email: str) -> None:
    _form, errors = forms.validate_ticket(FormData(fields={**GOOD, "email": email}), LIMITS)

    assert _codes(errors) == {("email", "err_invalid_email")}


def test_validate_ticket_too_long_fields_report_too_long() -> None:
    fields = {**GOOD, "name": "n" * 101, "subject": "s" * 201, "message": "m" * 20_001}

    _form, errors = forms.validate_ticket(FormData(fields=fields), LIMITS)

    assert _codes(errors) == {("name", "err_too_long"), ("subject", "err_too_long"), ("message", "err_too_long")}


def test_check_files_reports_count_size_type_and_emptiness() -> None:
    files = [Upload("a.exe", "x", b"1"), Upload("b.png", "image/png", b""), Upload("c.pdf", "p", b"x" * 101)]

    errors = forms.check_files(files, LIMITS)

    assert [e.code for e in errors] == ["err_too_many_files", "err_file_type", "err_file_empty", "err_file_too_large"]


def test_check_files_total_over_the_cap_reported_once() -> None:
    files = [Upload("a.png", "image/png", b"x" * 80), Upload("b.png", "image/png", b"x" * 80)]

    assert [e.code for e in forms.check_files(files, LIMITS)] == ["err_total_too_large"]


def test_field_error_message_names_the_field_and_formats_sizes() -> None:
    t = Translator("en")

    too_long = forms.FieldError("subject", "err_too_long", (("field", "subject"), ("max", 200)))
    too_big = forms.FieldError("attachments", "err_file_too_large", (("name", "a.pdf"), ("size", 2 * 1024 * 1024)))

    assert too_long.message(t) == "Subject must be 200 characters or fewer."
    assert too_big.message(t) == "The file a.pdf is larger than 2 MB."


def test_count_links_counts_urls_and_www() -> None:
    assert forms.count_links("see https://a.example and www.b.example", "http://c.example/x") == 3


def test_key_name_keeps_only_plain_characters() -> None:
    assert attachments.key_name("résumé (final)/../../x.pdf") == "resume_final_._._x.pdf"
    assert attachments.key_name("...") == "attachment"


# --- the form token ------------------------------------------------------------------------------


def test_form_token_issued_reads_back_with_nonce_and_time() -> None:
    now = time.time()

    token = forms.read_token(forms.issue_token(now))

    assert token is not None
    assert token.issued_at == int(now)
    assert len(token.nonce) == 32


def test_form_token_two_issues_have_different_nonces() -> None:
    assert forms.issue_token() != forms.issue_token()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("a" if t[-1] != "a" else "b"),  # signature changed
        lambda t: t.replace(t.split(".")[1], str(int(t.split(".")[1]) + 100)),  # time moved
        lambda t: "",
        lambda t: "a.b.c",
        lambda t: t + ".extra",
    ],
)
def test_form_token_tampered_reads_as_none(mangle: object) -> None:
    token = forms.issue_token()

    assert forms.read_token(mangle(token)) is None  # type: ignore[operator]


def test_form_token_encode_is_stable_for_the_same_values() -> None:
    assert FormToken("a" * 32, 100).encode() == FormToken("a" * 32, 100).encode()
