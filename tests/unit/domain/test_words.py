"""The subject tokenizer and the search box's reader (loket.core.domain.words): pure, no AWS."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loket.core.domain.errors import InvalidRequest
from loket.core.domain.words import (
    ENGLISH_STOPWORDS,
    INDONESIAN_STOPWORDS,
    MAX_QUERY_TERMS,
    MAX_WORD_LENGTH,
    MAX_WORDS,
    Query,
    fold,
    parse_query,
    words,
)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        # English: case, stopwords, punctuation
        ("Invoice November shows the wrong amount", ["invoice", "november", "shows", "wrong", "amount"]),
        ("Cannot log in to the customer portal!!", ["cannot", "log", "customer", "portal"]),
        ("Re: [URGENT] Refund -- order #4411?", ["re", "urgent", "refund", "order", "4411"]),
        # Indonesian: stopwords, no stemming (pembayaran stays itself)
        ("Tagihan saya tidak sesuai dengan pembayaran", ["tagihan", "sesuai", "pembayaran"]),
        ("Mohon bantuan: akun yang terkunci", ["bantuan", "akun", "terkunci"]),
        # accents fold, both directions of the same word meet
        ("Café Ñandú — résumé", ["cafe", "nandu", "resume"]),
        ("CAFÉ cafe Cafe", ["cafe"]),
        # punctuation splits words; underscores too; one letter is no word
        ("e-mail/INV-2026/11 foo_bar a b c", ["mail", "inv", "2026", "11", "foo", "bar"]),
        ("user@example.com can't log-in", ["user", "example", "com", "can", "log"]),
        # letters of other scripts are words too
        ("Заказ не пришёл", ["заказ", "не", "пришел"]),
        ("", []),
        ("   ...!!!   ", []),
    ],
)
def test_words_of_a_subject(subject: str, expected: list[str]) -> None:
    assert words(subject) == expected


def test_stopword_lists_are_short_lowercase_and_folded() -> None:
    for stopwords in (ENGLISH_STOPWORDS, INDONESIAN_STOPWORDS):
        assert 20 < len(stopwords) < 80
        assert all(w == fold(w) for w in stopwords)
    assert words("the and of") == [] and words("yang dan di untuk") == []


def test_a_long_subject_keeps_its_first_distinct_words_and_cuts_long_ones() -> None:
    subject = " ".join(f"word{i}" for i in range(50)) + " word0 " + "x" * 100
    found = words(subject)
    assert found == [f"word{i}" for i in range(MAX_WORDS)]
    assert words("y" * 100) == ["y" * MAX_WORD_LENGTH]


@given(st.text(max_size=300))
def test_words_are_folded_distinct_and_bounded_for_any_text(text: str) -> None:
    found = words(text)
    assert len(found) == len(set(found)) <= MAX_WORDS
    for word in found:
        assert 2 <= len(word) <= MAX_WORD_LENGTH
        assert word == fold(word)
        assert word.isalnum()
        assert word not in ENGLISH_STOPWORDS | INDONESIAN_STOPWORDS


@given(st.text(max_size=200))
def test_a_word_found_in_a_subject_finds_it_again_whatever_its_case(text: str) -> None:
    # what the index stores for a subject is what a query for the same text looks for
    assert words(text.upper()) == words(text.lower()) == words(fold(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LKT-1042", Query(number=1042)),
        ("  lkt-7 ", Query(number=7)),
        ("1042", Query(number=1042)),
        ("refund", Query(words=("refund",))),
        ("Refund the INVOICE", Query(words=("refund", "invoice"))),
        ("tagihan yang salah", Query(words=("tagihan", "salah"))),
        ("Rina@Example.com", Query(requesters=("rina@example.com",))),
        ("tag:VIP #billing", Query(tags=("vip", "billing"))),
        (
            "invoice tag:vip rina@example.com",
            Query(words=("invoice",), requesters=("rina@example.com",), tags=("vip",)),
        ),
        ("error 404", Query(words=("error", "404"))),
    ],
)
def test_parse_query(text: str, expected: Query) -> None:
    assert parse_query(text) == expected


def test_a_query_of_stopwords_only_is_refused_saying_which_were_ignored() -> None:
    with pytest.raises(InvalidRequest, match=r"nothing to search for.*the, yang"):
        parse_query("the yang")


def test_too_many_terms_are_refused() -> None:
    with pytest.raises(InvalidRequest, match=f"at most {MAX_QUERY_TERMS}"):
        parse_query("alpha beta gamma delta epsilon zeta eta")


def test_a_bad_tag_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="tag"):
        parse_query("tag:no/slash")


@given(st.text(max_size=100))
def test_folding_twice_changes_nothing(text: str) -> None:
    assert fold(fold(text)) == fold(text)
