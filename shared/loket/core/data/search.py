"""Search: tickets whose subject has every word, with every tag and from every requester asked for, newest first.

Every term is a list of `<created>#<ticket id>` sort keys, newest first, read by Query: word items
(PK `WORD#<word>`), tag items (PK `TAG#<tag>`) and the RequesterIndex (GSI4SK). A query with several terms
intersects them by leapfrogging: the lowest head of the lists is the candidate, and every list whose head is above
it Queries again from the candidate down (`SK <= candidate`), so a rare word cuts a common one short instead of
reading it through. The cursor is the sort key the next page starts below; a request reads at most
`QUERY_BUDGET` pages and then answers what it found with a cursor that goes on from where it stopped.

`backfill` fills the word index for tickets created before it, walking the StatusIndex by Query.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from loket.core.data import keys
from loket.core.data.models import RequesterIndex, TagItem, TicketItem, WordItem, transaction_connection
from loket.core.data.tickets import word_item
from loket.core.domain.errors import InvalidRequest
from loket.core.domain.scope import Scope
from loket.core.domain.ticket import Status
from loket.core.domain.words import Query, words

QUERY_BUDGET = 40  # DynamoDB Queries one search request may make
PAGE = 25  # sort keys one Query reads for a search of several terms
_SORT_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z#[0-9A-Za-z_-]{1,64}$")


@dataclass(frozen=True)
class Bound:
    """Where a page starts: sort keys below `key` (or up to it, `inclusive`); None: from the newest."""

    key: str | None = None
    inclusive: bool = False

    def encode(self) -> str:
        raw = json.dumps({"k": self.key, "i": self.inclusive}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Bound:
        try:
            data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            key, inclusive = data["k"], data["i"]
            if not (isinstance(key, str) and _SORT_KEY.match(key) and isinstance(inclusive, bool)):
                raise ValueError("bad shape")
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidRequest("cursor is not valid for this search; start again without it") from exc
        return cls(key, inclusive)


@dataclass
class _Reads:
    count: int = 0


@dataclass
class _Posting:
    """One term's sort keys, newest first, read a page at a time from a bound down."""

    kind: str  # "word" | "tag" | "requester"
    value: str
    page: int
    reads: _Reads
    buffer: list[tuple[str, str]] = field(default_factory=list)
    more: bool = True  # the last Query may have left items below the buffer

    def _query(self, bound: Bound) -> None:
        self.reads.count += 1
        start: dict[str, Any] = {"limit": self.page, "page_size": self.page, "scan_index_forward": False}
        if self.kind == "requester":
            sk = RequesterIndex.sk
            condition = None if bound.key is None else (sk <= bound.key if bound.inclusive else sk < bound.key)
            found = TicketItem.requester_index.query(keys.requester_pk(self.value), condition, **start)
            rows = [(str(t.gsi4sk), str(t.ticket_id)) for t in found]
        else:
            model: Any = WordItem if self.kind == "word" else TagItem
            pk = keys.word_pk(self.value) if self.kind == "word" else keys.tag_pk(self.value)
            condition = None if bound.key is None else (
                model.sk <= bound.key if bound.inclusive else model.sk < bound.key
            )  # fmt: skip
            found = model.query(pk, condition, **start)
            rows = [(str(i.sk), str(i.ticket_id)) for i in found]
        self.buffer = rows
        self.more = found.last_evaluated_key is not None

    def start(self, bound: Bound) -> None:
        self._query(bound)

    def head(self) -> tuple[str, str] | None:
        return self.buffer[0] if self.buffer else None

    def pop(self) -> None:
        last = self.buffer.pop(0)
        if not self.buffer and self.more:
            self._query(Bound(last[0], inclusive=False))

    def seek(self, target: str) -> None:
        """Move to the first sort key at or below `target`."""
        while self.buffer and self.buffer[0][0] > target:
            self.buffer.pop(0)
        if not self.buffer and self.more:
            self._query(Bound(target, inclusive=True))


def _postings(query: Query, page: int, reads: _Reads) -> list[_Posting]:
    terms = [
        *(("word", w) for w in query.words),
        *(("tag", t) for t in query.tags),
        *(("requester", r) for r in query.requesters),
    ]
    return [_Posting(kind, value, page, reads) for kind, value in terms]


def _matches(postings: list[_Posting], bound: Bound, limit: int) -> tuple[list[str], Bound | None]:
    """Ticket ids present in every posting, newest first, and the bound of the next page (None: no more)."""
    reads = postings[0].reads
    for posting in postings:
        posting.start(bound)
    found: list[str] = []
    while len(found) < limit:
        heads = [p.head() for p in postings]
        if any(h is None for h in heads):
            return found, None
        target = min(h[0] for h in heads if h is not None)
        if all(h is not None and h[0] == target for h in heads):
            found.append(heads[0][1])  # type: ignore[index]
            for posting in postings:
                posting.pop()
            continue
        if reads.count >= QUERY_BUDGET:  # everything above the target is settled: go on from it next time
            return found, Bound(target, inclusive=True)
        for posting in postings:
            posting.seek(target)
    if any(p.head() is None for p in postings):
        return found, None
    return found, Bound(min(h[0] for p in postings if (h := p.head()) is not None), inclusive=True)


def search(
    query: Query, limit: int, cursor: str | None, scope: Scope | None = None
) -> tuple[list[TicketItem], str | None]:
    """The tickets matching every term of `query`, newest first, `limit` at most, and the next page's cursor. With
    `scope`, tickets outside it are left out (the page may then hold fewer; the cursor goes on all the same)."""
    bound = Bound.decode(cursor) if cursor else Bound()
    reads = _Reads()
    postings = _postings(query, limit + 1 if query.terms == 1 else max(limit, PAGE), reads)
    if not postings:
        return [], None
    ids, after = _matches(postings, bound, limit)
    wanted = [(keys.ticket_pk(i), keys.TICKET_SK) for i in ids]
    by_id = {t.ticket_id: t for t in TicketItem.batch_get(wanted)} if wanted else {}
    found = [by_id[i] for i in ids if i in by_id]
    if scope is not None:
        found = [t for t in found if scope.covers(t.group, t.assignee)]
    return found, after.encode() if after else None


# --- the one-off fill for tickets created before the word index -----------------------------------------------


def _tickets_by_status() -> Iterator[TicketItem]:
    for status in Status:
        yield from TicketItem.status_index.query(keys.status_pk(status.value))


def backfill() -> int:
    """Write the word items of every ticket (Query per status on the StatusIndex, never a Scan); returns how many
    tickets were indexed. Each ticket's words go in one transaction conditioned on the version read, so a ticket
    renamed meanwhile is read again. Safe to run twice, and while the API runs: the items are the same."""
    done = 0
    for found in _tickets_by_status():
        ticket = found
        for _attempt in range(5):
            try:
                with TransactWrite(connection=transaction_connection()) as tx:
                    tx.condition_check(
                        TicketItem, ticket.pk, ticket.sk, condition=TicketItem.version == int(ticket.version)
                    )
                    for word in words(ticket.subject):
                        tx.save(word_item(word, ticket))
            except TransactWriteError:
                ticket = TicketItem.get(found.pk, found.sk, consistent_read=True)
                continue
            done += 1
            break
    return done


def main() -> None:  # pragma: no cover - a command for operators: python -m loket.core.data.search
    from loket.core.data.models import bind_data

    bind_data()
    print(f"indexed the subject words of {backfill()} tickets")


if __name__ == "__main__":  # pragma: no cover
    main()
