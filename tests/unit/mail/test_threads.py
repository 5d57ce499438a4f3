"""The pure half of threading: candidate Message-IDs in order, and the subject token."""

from __future__ import annotations

import pytest

from loket.channels.email import threads
from loket.channels.email.parse import ParsedMail


def test_reply_candidates_in_reply_to_first_then_references_newest_first() -> None:
    mail = ParsedMail(in_reply_to=["<c@x>"], references=["a@x", "b@x", "c@x"])

    assert threads.reply_candidates(mail) == ["c@x", "b@x", "a@x"]


def test_reply_candidates_drop_own_id_and_duplicates_case_insensitively() -> None:
    mail = ParsedMail(in_reply_to=["A@X"], references=["a@x", "self@x"])

    assert threads.reply_candidates(mail, "SELF@x") == ["a@x"]


def test_reply_candidates_are_bounded() -> None:
    mail = ParsedMail(references=[f"r{n}@x" for n in range(200)])

    found = threads.reply_candidates(mail)

    assert len(found) == threads.MAX_REFERENCES
    assert found[0] == "r199@x"


def test_subject_number_finds_bracketed_token_only() -> None:
    assert threads.subject_number("Re: [LKT-1042] Printer") == 1042
    assert threads.subject_number("RE: AW: [ lkt-7 ] x") == 7
    assert threads.subject_number("About LKT-1042 without brackets") is None
    assert threads.subject_number("") is None


@pytest.mark.parametrize("number", [1, 1042, 999_999_999_999])
def test_every_reader_of_a_ticket_number_reads_what_format_number_writes(number: int) -> None:
    from loket.channels.email import address, outbound
    from loket.core.domain.ticket import format_number, parse_number

    assert parse_number(format_number(number)) == number
    assert threads.subject_number(outbound.ticket_subject(number, "Printer")) == number
    assert address.ticket_number_from(address.reply_address("help@example.com", number), "help@example.com") == number
