"""Internationalized addresses (RFC 6530-6532) in and out: read as sent, mailed only in a form SES can send."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from loket.channels.email import outbound
from loket.channels.email.outbound import Mailbox, Outgoing
from loket.channels.email.parse import parse_message


def test_utf8_from_header_is_read_as_sent() -> None:
    raw = (
        "From: José Ramírez <josé@bücher.example>\r\nTo: support@loket.example\r\n"
        "Subject: Pesanan\r\nMessage-ID: <a1@bücher.example>\r\n\r\nHalo\r\n"
    ).encode()

    mail = parse_message(raw)

    assert (mail.from_name, mail.from_email) == ("José Ramírez", "josé@bücher.example")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("dewi@bücher.example", "dewi@xn--bcher-kva.example"),  # IDNA (Punycode) domain: SES sends to it
        ("Dewi@Bücher.Example", "Dewi@xn--bcher-kva.example"),
        ("dewi@xn--bcher-kva.example", "dewi@xn--bcher-kva.example"),
        ("josé@example.com", None),  # a non-ASCII local part needs SMTPUTF8, which SES does not send with
        ("dewi.ñ@example.co.id", None),
    ],
)
def test_clean_address_is_the_form_ses_can_send_to(value: str, expected: str | None) -> None:
    assert outbound.clean_address(value) == expected


def test_non_ascii_local_part_is_told_apart_from_an_invalid_address() -> None:
    assert outbound.needs_smtputf8("josé@example.com")
    assert not outbound.needs_smtputf8("dewi@bücher.example")
    assert not outbound.needs_smtputf8("no-at-sign")
    assert not outbound.needs_smtputf8(None)


def test_mail_to_an_idna_address_has_ascii_headers_and_destinations() -> None:
    address = outbound.clean_address("dewi@bücher.example")
    assert address is not None
    out = Outgoing(
        sender=Mailbox("support@loket.example", "Loket"),
        to=[Mailbox(address, "Dewi Lestari")],
        subject="[LKT-1] Diterima",
        text="Halo",
        message_id="<loket.e1@loket.example>",
        ticket_number=1,
        date=datetime(2025, 12, 1, tzinfo=UTC),
    )

    raw = outbound.build(out).as_bytes()

    assert raw.isascii()
    assert message_from_bytes(raw, policy=policy.default)["To"].addresses[0].addr_spec == address
    assert out.destinations == ["dewi@xn--bcher-kva.example"]
