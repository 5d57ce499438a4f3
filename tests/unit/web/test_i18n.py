"""Language choice and the string tables of the customer pages (no AWS)."""

from __future__ import annotations

import re

import pytest

from loket.channels.web.i18n import STRINGS, Translator, negotiate


def test_strings_every_key_exists_in_both_languages() -> None:
    assert set(STRINGS["en"]) == set(STRINGS["id"])


def test_strings_placeholders_match_between_languages() -> None:
    for key, english in STRINGS["en"].items():
        assert set(re.findall(r"\$(\w+)", english)) == set(re.findall(r"\$(\w+)", STRINGS["id"][key])), key


@pytest.mark.parametrize(
    ("explicit", "header", "expected"),
    [
        ("en", "id", "en"),
        ("EN-us", None, "en"),
        (None, "en-GB,en;q=0.9", "en"),
        (None, "fr-FR,id;q=0.8,en;q=0.5", "id"),
        (None, "en;q=0.3,id;q=0.9", "id"),
        (None, "in", "id"),  # the old code for Indonesian
        (None, "fr, de", "id"),  # nothing we have: the default
        (None, "en;q=0", "id"),  # q=0 means "not this one"
        (None, "en;q=abc", "id"),  # a broken quality counts as 0
        ("xx", "en", "en"),  # an unknown explicit choice falls back to the header
        (None, "", "id"),
    ],
)
def test_negotiate_choice_header_default_picks_expected(
    explicit: str | None, header: str | None, expected: str
) -> None:
    assert negotiate(explicit, header, "id") == expected


def test_translator_fills_placeholders_and_falls_back_to_the_key() -> None:
    t = Translator("id")

    assert t("thanks_number", number="LKT-7") == "Nomor tiket Anda adalah LKT-7."
    assert t("no_such_key") == "no_such_key"


@pytest.mark.parametrize(("size", "text"), [(512, "512 bytes"), (4096, "4 KB"), (2 * 1024 * 1024, "2 MB"),
                                            (1536 * 1024, "1.5 MB")])  # fmt: skip
def test_translator_size_readable_units(size: int, text: str) -> None:
    assert Translator("en").size(size) == text


def test_translator_unknown_language_uses_indonesian() -> None:
    assert Translator("fr").lang == "id"


def test_every_language_loket_picks_has_page_strings_and_mail_templates() -> None:
    from loket.channels.email import templates
    from loket.core.domain.language import LANGUAGES

    assert set(STRINGS) == set(LANGUAGES)
    assert all(set(by_lang) == set(LANGUAGES) for by_lang in templates.TEMPLATES.values())
    assert set(templates.GREETINGS) == set(templates.STATUS_LINKS) == set(LANGUAGES)
