"""The data layer on moto: optimistic locking, gapless idempotent numbers, Message-ID uniqueness."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest

from loket.core import tickets as svc
from loket.core.data import tickets as repo
from loket.core.data.models import _TableMeta, configure
from loket.core.domain.errors import VersionConflict
from loket.core.domain.ticket import Actor, Channel
from tests.support.botocore_hooks import before_first

CUSTOMER = Actor(kind="customer", id="budi@example.com", email="budi@example.com")


def _new(**changes: object) -> svc.NewTicket:
    fields: dict[str, object] = {
        "subject": "Printer on fire",
        "body_text": "It is on fire.",
        "requester_email": "budi@example.com",
        "channel": Channel.API,
    }
    fields.update(changes)
    return svc.NewTicket(**fields)  # type: ignore[arg-type]


def test_stale_copy_cannot_overwrite_a_newer_save(aws: None) -> None:
    ticket, _ = svc.create_ticket(_new(), CUSTOMER)
    first, second = repo.get_ticket(ticket.ticket_id), repo.get_ticket(ticket.ticket_id)
    first.priority = "high"
    first.updated_at = "2026-11-28T08:00:00.000000Z"
    repo.save_ticket(first)
    second.priority = "low"
    second.updated_at = "2026-11-28T08:00:01.000000Z"
    with pytest.raises(VersionConflict):
        repo.save_ticket(second)
    assert repo.get_ticket(ticket.ticket_id).priority == "high"


def test_create_racing_another_create_takes_the_next_number_without_gaps(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given another create commits between our counter read and our transaction
    with before_first(
        monkeypatch, "TransactWriteItems", lambda: svc.create_ticket(_new(subject="B"), CUSTOMER)
    ) as rival:
        mine, created = svc.create_ticket(_new(subject="A"), CUSTOMER)
    # then both exist, with numbers 1 and 2, and nothing was skipped
    assert created
    assert (rival[0][0].number, mine.number) == (1, 2)
    assert svc.create_ticket(_new(subject="C"), CUSTOMER)[0].number == 3


def test_create_racing_a_retry_with_the_same_client_key_makes_one_ticket(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def rival() -> tuple[object, bool]:
        return svc.create_ticket(_new(), CUSTOMER, client_key="form:abc")

    with before_first(monkeypatch, "TransactWriteItems", rival) as rivals:
        mine, created = svc.create_ticket(_new(), CUSTOMER, client_key="form:abc")
    assert not created
    assert mine.ticket_id == rivals[0][0].ticket_id
    assert svc.create_ticket(_new(subject="next"), CUSTOMER)[0].number == 2


def test_same_message_id_twice_raises_duplicate_and_keeps_one_ticket(aws: None) -> None:
    first, _ = svc.create_ticket(_new(channel=Channel.EMAIL, message_id="<abc@mail.example>"), CUSTOMER)
    with pytest.raises(repo.DuplicateLookup) as caught:
        svc.create_ticket(_new(channel=Channel.EMAIL, message_id="<ABC@mail.example>"), CUSTOMER)
    assert caught.value.ticket_id == first.ticket_id
    again, _ = svc.create_ticket(_new(subject="other"), CUSTOMER)
    assert again.number == 2  # the refused duplicate burned no number


def test_customer_message_on_closed_ticket_opens_linked_follow_up(aws: None) -> None:
    agent = Actor(kind="agent", id="agent-1", role="agent")
    ticket, _ = svc.create_ticket(_new(), CUSTOMER)
    ticket = svc.update_ticket(ticket.ticket_id, 1, {"status": "resolved"}, agent)
    ticket = svc.update_ticket(ticket.ticket_id, 2, {"status": "closed"}, agent)
    from loket.core.domain.ticket import EntryKind

    result = svc.add_entry(ticket.ticket_id, svc.NewEntry(EntryKind.CUSTOMER_MESSAGE, CUSTOMER, "It is on fire again."))
    assert result.follow_up
    assert result.ticket.follow_up_of == ticket.ticket_id
    assert result.ticket.number == 2
    assert repo.get_ticket(ticket.ticket_id).status == "closed"
    assert result.entry.body_text == "It is on fire again."


def test_same_message_id_added_twice_to_a_ticket_raises_duplicate_and_keeps_one_entry(aws: None) -> None:
    from loket.core.domain.ticket import EntryKind

    ticket, _ = svc.create_ticket(_new(channel=Channel.EMAIL, message_id="<first@mail.example>"), CUSTOMER)
    svc.add_entry(
        ticket.ticket_id, svc.NewEntry(EntryKind.CUSTOMER_MESSAGE, CUSTOMER, "more", message_id="<second@mail.example>")
    )
    with pytest.raises(repo.DuplicateLookup) as caught:
        svc.add_entry(
            ticket.ticket_id,
            svc.NewEntry(EntryKind.CUSTOMER_MESSAGE, CUSTOMER, "more", message_id="<second@mail.example>"),
        )
    assert caught.value.ticket_id == ticket.ticket_id
    assert len(repo.list_entries(ticket.ticket_id)) == 2


def test_creating_tickets_one_after_another_builds_no_new_dynamodb_client(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a count of the DynamoDB clients botocore builds (each costs a parse of the service model)
    built: list[str] = []
    original = botocore.session.Session.create_client

    def create_client(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        built.append(service_name)
        return original(self, service_name, *args, **kwargs)

    monkeypatch.setattr(botocore.session.Session, "create_client", create_client)
    configure(_TableMeta.table_name, _TableMeta.region)
    svc.create_ticket(_new(subject="first"), CUSTOMER)
    after_first = built.count("dynamodb")

    # when: more tickets are created in the same process (a warm function)
    for n in range(3):
        svc.create_ticket(_new(subject=f"again {n}"), CUSTOMER)

    # then: they reuse the clients the first one built
    assert after_first >= 1
    assert built.count("dynamodb") == after_first
