"""Words of a ticket's subject for the search index, and what a search query asks for.

Pure Python, no I/O. A word is what a person would type to find a ticket, the same for Indonesian and English:

* lower case (`casefold`), accents folded (`Café` -> `cafe`, `Ñ` -> `n`), letters of other scripts kept;
* split at everything that is not a letter or a digit (`e-mail` -> `e`, `mail`; `INV-2026/11` -> `inv`, `2026`,
  `11`); a word of one character is dropped, as are the short stopword lists below;
* no stemming: Indonesian affixes (`me-`, `-kan`, `ber-`) and English suffixes change meaning too often for a
  safe rule (`pembayaran` is not `bayar` for someone looking for a payment), so a word matches itself only;
* at most `MAX_WORDS` distinct words per subject, in order of first appearance, each at most `MAX_WORD_LENGTH`
  characters (longer ones are cut): every word is one item written in the ticket's transaction.

A query (`parse_query`) is a ticket number (`LKT-1042` or `1042`), or terms that must all match: words of the
subject, a requester's address (anything with `@`) and tags (`tag:vip` or `#vip`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from loket.core.domain.errors import InvalidRequest
from loket.core.domain.ticket import normalize_email, normalize_tags, parse_number

MAX_WORDS = 20
MAX_WORD_LENGTH = 40
MAX_QUERY_TERMS = 6

# fmt: off
ENGLISH_STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "i", "if", "in", "into",
    "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "so", "that", "the", "their", "them",
    "then", "there", "these", "they", "this", "to", "was", "we", "were", "what", "when", "where", "which", "who",
    "will", "with", "you", "your",
})
INDONESIAN_STOPWORDS = frozenset({
    "ada", "adalah", "agar", "akan", "aku", "anda", "apa", "atau", "bagi", "bahwa", "belum", "bisa", "dan", "dari",
    "dengan", "di", "dia", "ini", "itu", "juga", "kami", "kamu", "karena", "ke", "kita", "mohon", "oleh", "pada",
    "saya", "sudah", "tapi", "tidak", "untuk", "yang",
})
# fmt: on
STOPWORDS = ENGLISH_STOPWORDS | INDONESIAN_STOPWORDS

_SPLIT = re.compile(r"[^\w]+|_+")


def fold(text: str) -> str:
    """Lower case with accents removed: the form both the index and the query use."""
    # compatibility forms first (a mathematical bold A is an A), then case, then apart again to drop the accents
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The distinct searchable words of a text, in order of first appearance (at most MAX_WORDS)."""
    found: dict[str, None] = {}
    for raw in _SPLIT.split(fold(text)):
        word = raw[:MAX_WORD_LENGTH]
        if len(word) < 2 or word in STOPWORDS:
            continue
        found[word] = None
        if len(found) == MAX_WORDS:
            break
    return list(found)


@dataclass(frozen=True)
class Query:
    """What a search asks for: one ticket number, or terms that must all match (newest tickets first)."""

    number: int | None = None
    words: tuple[str, ...] = ()
    requesters: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    ignored: tuple[str, ...] = field(default=(), compare=False)  # stopwords and one-letter words, for the answer

    @property
    def terms(self) -> int:
        return len(self.words) + len(self.requesters) + len(self.tags)


def parse_query(text: str) -> Query:
    """Read a search box: `LKT-1042` or `1042` alone is a number; otherwise every term must match.

    Raises InvalidRequest for a query with nothing to search for (only stopwords) or too many terms.
    """
    text = text.strip()
    number = parse_number(text)
    if number is None and text.isdecimal() and len(text) <= 12:
        number = int(text)
    if number is not None:
        return Query(number=number)
    found_words: dict[str, None] = {}
    requesters: dict[str, None] = {}
    tags: dict[str, None] = {}
    ignored: list[str] = []
    for part in text.split():
        lowered = part.lower()
        if lowered.startswith("tag:") or (lowered.startswith("#") and len(lowered) > 1):
            tag = lowered[4:] if lowered.startswith("tag:") else lowered[1:]
            for clean in normalize_tags([tag]):
                tags[clean] = None
        elif "@" in part:
            requesters[normalize_email(part)] = None
        else:
            kept = words(part)
            found_words.update(dict.fromkeys(kept))
            if not kept:
                ignored.append(part)
    query = Query(None, tuple(found_words), tuple(requesters), tuple(tags), tuple(ignored))
    if query.terms == 0:
        raise InvalidRequest(
            "nothing to search for: give a ticket number, an address, a tag (tag:vip) or a word of the subject"
            + (f" (ignored as too common or too short: {', '.join(ignored[:5])})" if ignored else "")
        )
    if query.terms > MAX_QUERY_TERMS:
        raise InvalidRequest(f"at most {MAX_QUERY_TERMS} terms per search (words, addresses and tags together)")
    return query
