"""Stripping the quoted history of a reply for display."""

from __future__ import annotations

import pytest

from loket.channels.email.quote import REPLY_MARKER, strip_quoted


def test_strip_cuts_at_reply_marker_and_the_attribution_above_it() -> None:
    text = f"Fixed, thanks.\n\nOn Mon, 3 Jun 2024, Loket <support@loket.example> wrote:\n> {REPLY_MARKER}\n> Hello"

    assert strip_quoted(text) == ("Fixed, thanks.", True)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Works now.\n\nOn Mon, Jun 3, 2024 at 10:20 AM Loket <support@loket.example> wrote:\n> old", "Works now."),
        (
            "Masih error.\n\nPada tanggal Sen, 3 Jun 2024 pukul 10.00 Loket <s@l.example>\nmenulis:\n> old",
            "Masih error.",
        ),
        ("Fine.\n\n-----Original Message-----\nFrom: Loket\nSent: Monday\nSubject: x\n\nold", "Fine."),
        ("Danke.\n\nAm 03.06.2024 um 10:00 schrieb Loket <s@l.example>:\n> alt", "Danke."),
    ],
)
def test_strip_recognises_client_quote_headers(text: str, kept: str) -> None:
    assert strip_quoted(text) == (kept, True)


def test_strip_leaves_text_without_quote_alone() -> None:
    text = "Hello, I need help.\nRegards\nBudi"

    assert strip_quoted(text) == (text, False)


def test_strip_never_empties_a_reply_that_is_only_quote() -> None:
    text = "On Mon, 3 Jun 2024, Loket <support@loket.example> wrote:\n> everything quoted"

    stripped, _ = strip_quoted(text)

    assert stripped.strip()
