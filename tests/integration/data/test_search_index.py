"""The subject word index on moto: written with the ticket, moved by a rename, untouched by a merge, filled for old
tickets by the backfill; search intersects words, tags and requesters newest first with a cursor."""

from __future__ import annotations

import pytest
from pynamodb.transactions import TransactWrite

from loket.core import tickets as svc
from loket.core.data import keys
from loket.core.data import search as index
from loket.core.data.models import TicketItem, WordItem, transaction_connection
from loket.core.domain.errors import InvalidRequest, VersionConflict
from loket.core.domain.ticket import Actor, Channel
from loket.core.domain.words import parse_query
from tests.support.botocore_hooks import before_first

CUSTOMER = Actor(kind="customer", id="budi@example.com", email="budi@example.com")
AGENT = Actor(kind="agent", id="agent-1", email="agent@example.com", role="agent")
ADMIN = Actor(kind="agent", id="admin-1", email="admin@example.com", role="admin")


def _create(subject: str, requester: str = "budi@example.com", tags: list[str] | None = None) -> TicketItem:
    new = svc.NewTicket(
        subject=subject, body_text="body", requester_email=requester, channel=Channel.API, tags=tags or []
    )
    return svc.create_ticket(new, Actor(kind="customer", id=requester, email=requester))[0]


def _indexed(word: str) -> set[str]:
    """The ticket ids the word items of `word` point at."""
    return {i.ticket_id for i in WordItem.query(keys.word_pk(word), consistent_read=True)}


def _words_of(ticket: TicketItem) -> set[str]:
    """Every word item pointing at a ticket, found through the words its subjects ever had."""
    return {w for w in ("printer", "fire", "kertas", "macet", "scanner", "broken") if ticket.ticket_id in _indexed(w)}


def _search(text: str, limit: int = 25, cursor: str | None = None) -> tuple[list[str], str | None]:
    found, after = index.search(parse_query(text), limit, cursor)
    return [t.subject for t in found], after


def test_create_writes_one_item_per_word_of_the_subject(aws: None) -> None:
    ticket = _create("Printer on FIRE, printer kertas!")
    assert _words_of(ticket) == {"printer", "fire", "kertas"}
    item = next(iter(WordItem.query(keys.word_pk("printer"))))
    assert item.sk == keys.age_sk(ticket.created_at, ticket.ticket_id)
    assert _indexed("on") == set()  # a stopword is not indexed


def test_a_subject_change_moves_the_word_items_in_the_same_transaction(aws: None) -> None:
    ticket = _create("Printer macet")
    svc.update_ticket(f"LKT-{ticket.number}", 1, {"subject": "Scanner broken, printer fine"}, AGENT)
    assert _words_of(ticket) == {"scanner", "broken", "printer"}
    assert _indexed("macet") == set()
    audit = [a for a in svc.repo.list_audit(ticket.ticket_id) if a.field == "subject"]
    assert [(a.old, a.new) for a in audit] == [("Printer macet", "Scanner broken, printer fine")]


def test_a_rename_that_loses_the_race_leaves_the_index_as_the_winner_left_it(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = _create("Printer macet")
    ref = f"LKT-{ticket.number}"
    # another agent renames the ticket between our read and our write
    with (
        before_first(
            monkeypatch, "TransactWriteItems", lambda: svc.update_ticket(ref, 1, {"subject": "Scanner"}, ADMIN)
        ),
        pytest.raises(VersionConflict),
    ):
        svc.update_ticket(ref, 1, {"subject": "Kertas fire"}, AGENT)
    assert _words_of(ticket) == {"scanner"}


def test_a_merge_keeps_both_tickets_findable_by_their_own_words(aws: None) -> None:
    source, target = _create("Printer macet"), _create("Scanner broken")
    svc.merge(f"LKT-{source.number}", f"LKT-{target.number}", ADMIN)
    assert _words_of(source) == {"printer", "macet"}
    assert _words_of(target) == {"scanner", "broken"}
    found, _ = index.search(parse_query("printer macet"), 25, None)
    assert [(t.ticket_id, t.status, t.merged_into) for t in found] == [(source.ticket_id, "closed", target.ticket_id)]


def test_search_intersects_words_tags_and_requesters_newest_first(aws: None) -> None:
    _create("Invoice wrong amount", "rina@example.com", ["billing"])
    _create("Refund for invoice", "budi@example.com", ["billing", "vip"])
    _create("Invoice copy please", "rina@example.com")
    _create("Login broken", "rina@example.com", ["vip"])
    assert _search("invoice")[0] == ["Invoice copy please", "Refund for invoice", "Invoice wrong amount"]
    assert _search("INVOICE refund")[0] == ["Refund for invoice"]
    assert _search("invoice rina@example.com")[0] == ["Invoice copy please", "Invoice wrong amount"]
    assert _search("tag:vip")[0] == ["Login broken", "Refund for invoice"]
    assert _search("#billing rina@example.com")[0] == ["Invoice wrong amount"]
    assert _search("RINA@example.com")[0] == ["Login broken", "Invoice copy please", "Invoice wrong amount"]
    assert _search("invoice login") == ([], None)
    assert _search("nowhere") == ([], None)


def test_pages_follow_the_cursor_to_the_end_without_repeats(aws: None) -> None:
    for i in range(7):
        _create(f"Invoice {i}")
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page, cursor = _search("invoice", limit=3, cursor=cursor)
        seen += page
        pages += 1
        if cursor is None:
            break
    assert seen == [f"Invoice {i}" for i in reversed(range(7))]
    assert pages == 3


def test_a_search_that_runs_out_of_reads_goes_on_from_where_it_stopped(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a common word and a rare one: leapfrogging reads pages of the common one, a few per request
    for i in range(30):
        _create(f"Alpha {i}" + (" beta" if i % 5 == 3 else ""))
    monkeypatch.setattr(index, "PAGE", 2)
    monkeypatch.setattr(index, "QUERY_BUDGET", 3)
    seen: list[str] = []
    cursor: str | None = None
    for _request in range(100):
        page, cursor = _search("alpha beta", limit=2, cursor=cursor)
        seen += page
        if cursor is None:
            break
    assert seen == [f"Alpha {i} beta" for i in (28, 23, 18, 13, 8, 3)]


def test_a_forged_cursor_is_refused(aws: None) -> None:
    _create("Invoice")
    for cursor in ("not-base64!", "eyJrIjoiLi4vIiwiaSI6dHJ1ZX0", "e30"):
        with pytest.raises(InvalidRequest, match="cursor"):
            index.search(parse_query("invoice"), 5, cursor)


def test_backfill_indexes_tickets_created_before_the_index_by_query(aws: None) -> None:
    old = _create("Printer macet")
    other = _create("Scanner broken")
    svc.update_ticket(f"LKT-{other.number}", 1, {"status": "pending"}, AGENT)
    # as if created before the word index: remove their word items
    with TransactWrite(connection=transaction_connection()) as tx:
        for item in [*WordItem.query(keys.word_pk("printer")), *WordItem.query(keys.word_pk("macet"))]:
            tx.delete(item)
        for item in [*WordItem.query(keys.word_pk("scanner")), *WordItem.query(keys.word_pk("broken"))]:
            tx.delete(item)
    assert _search("printer") == ([], None)
    assert index.backfill() == 2
    assert _words_of(old) == {"printer", "macet"} and _words_of(other) == {"scanner", "broken"}
    assert index.backfill() == 2  # again: the same items, nothing doubled
    assert _search("scanner")[0] == ["Scanner broken"]
    assert TicketItem.get(keys.ticket_pk(old.ticket_id), keys.TICKET_SK).version == 1  # tickets are not touched


def test_a_rename_writes_every_word_of_the_new_subject_even_those_the_old_one_had(aws: None) -> None:
    ticket = _create("Printer macet")
    with TransactWrite(connection=transaction_connection()) as tx:  # as if the backfill had not reached it
        for item in WordItem.query(keys.word_pk("printer")):
            tx.delete(item)
    svc.update_ticket(f"LKT-{ticket.number}", 1, {"subject": "Printer broken"}, AGENT)
    assert _words_of(ticket) == {"printer", "broken"}
