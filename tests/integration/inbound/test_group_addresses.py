"""Mail to a group's address, through the inbound function on moto: the new ticket starts in that group, a reply to
the group's signed plus-address threads, and mail to none of our addresses is quarantined with the reason."""

from __future__ import annotations

import pytest

from loket.channels.email.address import reply_address
from loket.core import directory
from loket.core import tickets as service
from loket.core.domain.directory import Group
from loket.core.domain.ticket import Actor, Channel, Status
from tests.integration.inbound.conftest import SUPPORT, Deliver, make_mail

BILLING = "billing@loket.example"
TECHNICAL = "technical@loket.example"


@pytest.fixture(autouse=True)
def groups(mail_env: None) -> None:
    directory.save_group(Group("billing", address=BILLING))
    directory.save_group(Group("technical", address=TECHNICAL))
    directory.save_group(Group("no-mail"))  # a group without an address


def test_mail_to_a_group_address_opens_the_ticket_in_that_group(deliver: Deliver) -> None:
    delivered = deliver(make_mail(to=BILLING, subject="Invoice twice"), recipients=[BILLING])

    assert delivered.outcome == "created"
    ticket = delivered.ticket()
    assert ticket.group == "billing"
    assert ticket.status == Status.NEW.value
    assert ticket.extra[service.GROUP_ADDRESS] == {"group": "billing", "address": BILLING}


def test_the_first_group_among_the_envelope_recipients_wins_and_plus_tags_are_ignored(deliver: Deliver) -> None:
    delivered = deliver(
        make_mail(to=f"{TECHNICAL}, {BILLING}"), recipients=[SUPPORT, "Technical+urgent@Loket.Example", BILLING]
    )

    assert delivered.ticket().group == "technical"


def test_mail_to_the_support_address_stays_in_the_default_group(deliver: Deliver) -> None:
    delivered = deliver(make_mail(to=SUPPORT), recipients=[SUPPORT])

    ticket = delivered.ticket()
    assert (ticket.group, ticket.status) == ("support", Status.NEW.value)
    assert service.GROUP_ADDRESS not in ticket.extra


def test_a_group_address_is_never_copied_as_a_cc(deliver: Deliver) -> None:
    delivered = deliver(make_mail(to=SUPPORT, cc=f"Billing <{BILLING}>, ani@example.org"), recipients=[SUPPORT])

    assert delivered.ticket().cc == ["ani@example.org"]


def test_mail_from_our_own_group_address_is_automatic(deliver: Deliver) -> None:
    delivered = deliver(make_mail(sender=f"Billing <{BILLING}>", to=SUPPORT), recipients=[SUPPORT])

    assert "own-mail" in delivered.entries()[0].extra["mail"]["gate"]


def test_mail_to_an_address_that_is_not_ours_is_quarantined_naming_it(deliver: Deliver) -> None:
    delivered = deliver(make_mail(to="sales@loket.example"), recipients=["sales@loket.example"])

    assert delivered.outcome == "quarantined"
    ticket = delivered.ticket()
    assert ticket.status == Status.QUARANTINED.value
    assert ticket.group == "support"
    held = ticket.extra["quarantine"]
    assert "sales@loket.example" in held["reason"]
    assert "neither the support address nor a group's address" in held["reason"]
    assert held["releasable"] is True


def test_a_deleted_groups_address_is_not_ours_any_more(deliver: Deliver) -> None:
    directory.save_group(Group("old-sales", address="old-sales@loket.example"))
    old = directory.group("old-sales")
    assert old is not None and old.version is not None
    directory.remove_group("old-sales", old.version)

    delivered = deliver(make_mail(to="old-sales@loket.example"), recipients=["old-sales@loket.example"])

    assert delivered.outcome == "quarantined"


def test_a_reply_to_the_groups_signed_plus_address_threads_to_the_ticket(deliver: Deliver, signing_key: object) -> None:
    ticket, _ = service.create_ticket(
        service.NewTicket(
            subject="Invoice twice",
            body_text="Charged twice.",
            requester_email="budi.santoso@example.org",
            channel=Channel.EMAIL,
            group="billing",
        ),
        Actor(kind="customer", id="budi.santoso@example.org", email="budi.santoso@example.org"),
    )
    plus = reply_address(BILLING, int(ticket.number))

    delivered = deliver(make_mail(to=plus, subject="Still charged twice"), recipients=[plus])

    assert delivered.outcome == "added"
    assert delivered.ticket_id == ticket.ticket_id
    assert delivered.entries()[-1].extra["mail"]["thread_rule"] == "plus-address"


def test_a_forged_plus_address_on_a_group_opens_a_new_ticket_in_that_group(deliver: Deliver) -> None:
    forged = "billing+LKT-1.aaaaaaaaaaaaaaaa@loket.example"

    delivered = deliver(make_mail(to=forged), recipients=[forged])

    assert delivered.outcome == "created"
    assert delivered.ticket().group == "billing"
