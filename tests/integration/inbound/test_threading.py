"""Each threading rule, in its order, through the function on moto."""

from __future__ import annotations

from loket.channels.email.address import reply_address
from loket.channels.email.mail_log import record_sent_message
from loket.core import tickets as service
from loket.core.data import tickets as repo
from loket.core.data.models import TicketItem
from loket.core.domain.ticket import Actor, Channel, Status
from tests.conftest import SigningKey
from tests.integration.inbound.conftest import SUPPORT, Deliver, make_mail

AGENT = Actor(kind="agent", id="agent-sari", email="sari@loket.example", role="agent")
BUDI = "budi.santoso@example.org"


def _ticket(requester: str = BUDI, cc: list[str] | None = None, subject: str = "Order 5521") -> TicketItem:
    ticket, _ = service.create_ticket(
        service.NewTicket(
            subject=subject,
            body_text="My order is late.",
            requester_email=requester,
            channel=Channel.EMAIL,
            cc=cc or [],
        ),
        Actor(kind="customer", id=requester, email=requester),
    )
    return ticket


def _sent(ticket: TicketItem, message_id: str) -> str:
    """Loket sent a mail with this Message-ID on the ticket (what the notifier records)."""
    record_sent_message(ticket.ticket_id, message_id, "2024-06-03T03:00:00.000000Z")
    return message_id


def _count_messages(ticket_id: str) -> int:
    return len([e for e in repo.list_entries(ticket_id) if e.kind == "customer_message"])


def test_in_reply_to_loket_message_id_adds_message_to_that_ticket(deliver: Deliver) -> None:
    ticket = _ticket()
    sent = _sent(ticket, "<loket.evt1@loket.example>")

    delivered = deliver(make_mail(subject="Re: Order 5521", in_reply_to=sent, body="Thanks, it arrived."))

    assert delivered.outcome == "added"
    assert delivered.ticket_id == ticket.ticket_id
    assert delivered.entries()[-1].extra["mail"]["thread_rule"] == "in-reply-to/references"


def test_in_reply_to_received_message_id_threads_a_cc_reply(deliver: Deliver) -> None:
    first = deliver(make_mail(message_id="<first-mail@example.org>", cc="Ani <ani@example.org>"))

    delivered = deliver(
        make_mail(sender="Ani <ani@example.org>", in_reply_to="<first-mail@example.org>", body="Same here.")
    )

    assert delivered.outcome == "added"
    assert delivered.ticket_id == first.ticket_id


def test_references_newest_first_wins_over_older_references(deliver: Deliver) -> None:
    older, newer = _ticket(subject="older"), _ticket(subject="newer")
    refs = f"{_sent(older, '<loket.old@loket.example>')} {_sent(newer, '<loket.new@loket.example>')}"

    delivered = deliver(make_mail(references=refs, in_reply_to="<unknown@elsewhere.example>"))

    assert delivered.ticket_id == newer.ticket_id


def test_in_reply_to_wins_over_references(deliver: Deliver) -> None:
    first, second = _ticket(subject="first"), _ticket(subject="second")
    in_reply_to = _sent(first, "<loket.a@loket.example>")
    references = _sent(second, "<loket.b@loket.example>")

    delivered = deliver(make_mail(in_reply_to=in_reply_to, references=references))

    assert delivered.ticket_id == first.ticket_id


def test_header_match_wins_over_plus_address(deliver: Deliver) -> None:
    by_header, by_address = _ticket(subject="header"), _ticket(subject="address")
    sent = _sent(by_header, "<loket.h@loket.example>")

    delivered = deliver(make_mail(in_reply_to=sent, to=reply_address(SUPPORT, int(by_address.number))))

    assert delivered.ticket_id == by_header.ticket_id


def test_signed_plus_address_in_to_threads_without_headers(deliver: Deliver) -> None:
    ticket = _ticket()

    delivered = deliver(make_mail(subject="about my order", to=reply_address(SUPPORT, int(ticket.number))))

    assert delivered.outcome == "added"
    assert delivered.ticket_id == ticket.ticket_id
    assert delivered.entries()[-1].extra["mail"]["thread_rule"] == "plus-address"


def test_signed_plus_address_in_envelope_recipients_threads(deliver: Deliver) -> None:
    ticket = _ticket()

    delivered = deliver(make_mail(), recipients=[reply_address(SUPPORT, int(ticket.number))])

    assert delivered.ticket_id == ticket.ticket_id


def test_a_reply_address_mailed_before_a_key_rotation_threads_for_the_grace_period(
    deliver: Deliver, signing_key: SigningKey
) -> None:
    ticket = _ticket()
    mailed = reply_address(SUPPORT, int(ticket.number))  # in the Reply-To of a mail sent before the rotation
    signing_key.rotate("key-2")
    signing_key.wait(minutes=6)

    assert reply_address(SUPPORT, int(ticket.number)) != mailed
    delivered = deliver(make_mail(subject="about my order", to=mailed))
    assert delivered.outcome == "added"
    assert delivered.ticket_id == ticket.ticket_id

    signing_key.wait(days=91)
    too_late = deliver(make_mail(subject="about my order", to=mailed))
    assert too_late.outcome == "created"


def test_plus_address_with_forged_token_makes_new_ticket(deliver: Deliver) -> None:
    ticket = _ticket()
    forged = f"support+LKT-{ticket.number}.aaaaaaaaaaaaaaaa@loket.example"

    delivered = deliver(make_mail(to=forged))

    assert delivered.outcome == "created"
    assert delivered.ticket_id != ticket.ticket_id


def test_plus_address_wins_over_subject_token(deliver: Deliver) -> None:
    by_address, by_subject = _ticket(subject="a"), _ticket(subject="b")

    delivered = deliver(
        make_mail(subject=f"Re: [LKT-{by_subject.number}] b", to=reply_address(SUPPORT, int(by_address.number)))
    )

    assert delivered.ticket_id == by_address.ticket_id


def test_subject_token_from_requester_threads(deliver: Deliver) -> None:
    ticket = _ticket()

    delivered = deliver(make_mail(subject=f"Re: [LKT-{ticket.number}] Order 5521"))

    assert delivered.ticket_id == ticket.ticket_id
    assert delivered.entries()[-1].extra["mail"]["thread_rule"] == "subject-token"


def test_subject_token_from_cc_of_ticket_threads(deliver: Deliver) -> None:
    ticket = _ticket(cc=["ani@example.org"])

    delivered = deliver(make_mail(sender="ani@example.org", subject=f"[LKT-{ticket.number}] me too"))

    assert delivered.ticket_id == ticket.ticket_id


def test_subject_token_from_stranger_makes_new_ticket(deliver: Deliver) -> None:
    ticket = _ticket()

    delivered = deliver(make_mail(sender="mallory@evil.example", subject=f"Re: [LKT-{ticket.number}] Order 5521"))

    assert delivered.outcome == "created"
    assert delivered.ticket_id != ticket.ticket_id
    assert _count_messages(ticket.ticket_id) == 1


def test_subject_token_with_dmarc_fail_makes_new_ticket(deliver: Deliver) -> None:
    ticket = _ticket()

    delivered = deliver(make_mail(subject=f"Re: [LKT-{ticket.number}] Order 5521"), event_file="dmarc_fail.json")

    assert delivered.outcome == "created"
    assert delivered.ticket_id != ticket.ticket_id


def test_nothing_known_makes_new_ticket(deliver: Deliver) -> None:
    delivered = deliver(make_mail(in_reply_to="<nobody-knows@example.org>", subject="Re: [LKT-999] old thing"))

    assert delivered.outcome == "created"
    assert delivered.ticket().subject == "Re: [LKT-999] old thing"


def test_reply_to_closed_ticket_opens_linked_follow_up(deliver: Deliver) -> None:
    ticket = _ticket()
    sent = _sent(ticket, "<loket.closing@loket.example>")
    ticket = service.update_ticket(ticket.ticket_id, int(ticket.version), {"status": "resolved"}, AGENT)
    ticket = service.update_ticket(ticket.ticket_id, int(ticket.version), {"status": "closed"}, AGENT)

    delivered = deliver(make_mail(in_reply_to=sent, body="It broke again."))

    assert delivered.outcome == "follow_up"
    follow_up = delivered.ticket()
    assert follow_up.ticket_id != ticket.ticket_id
    assert follow_up.follow_up_of == ticket.ticket_id
    assert repo.get_ticket(ticket.ticket_id).status == Status.CLOSED.value


def test_reply_to_merged_ticket_reaches_merge_target(deliver: Deliver) -> None:
    source, target = _ticket(subject="dup"), _ticket(subject="main")
    sent = _sent(source, "<loket.src@loket.example>")
    service.merge(source.ticket_id, target.ticket_id, AGENT)

    delivered = deliver(make_mail(in_reply_to=sent))

    assert delivered.ticket_id == target.ticket_id


def test_reply_quoted_history_stripped_and_original_kept(deliver: Deliver) -> None:
    ticket = _ticket()
    sent = _sent(ticket, "<loket.q@loket.example>")
    body = "It works now.\n\nOn Mon, 3 Jun 2024 at 10:00, Loket <support@loket.example> wrote:\n> Please restart.\n"

    delivered = deliver(make_mail(in_reply_to=sent, body=body))

    entry = delivered.entries()[-1]
    assert entry.body_text == "It works now."
    assert entry.extra["mail"]["quoted_stripped"] is True
    assert entry.extra["mail"]["raw"]["key"] == f"inbound/{delivered.ses_message_id}"


def test_first_message_keeps_its_quoted_history(deliver: Deliver) -> None:
    body = "See the thread below.\n\nOn Sun, 2 Jun 2024, Ani <ani@example.org> wrote:\n> the portal is down\n"

    delivered = deliver(make_mail(body=body))

    assert "> the portal is down" in delivered.entries()[0].body_text


def _bounce(returned_message_id: str, headers_only: bool = False) -> bytes:
    """A delivery status notification (RFC 3464) for a mail Loket sent, as Postfix writes it."""
    returned = (
        f"From: {SUPPORT}\r\nTo: budi.santoso@exmaple.org\r\nSubject: [LKT-1] Re: Order 5521\r\n"
        f"Message-ID: {returned_message_id}\r\nContent-Type: text/plain; charset=utf-8\r\n"
    )
    returned_part = (
        "Content-Type: text/rfc822-headers\r\n\r\n" + returned
        if headers_only
        else "Content-Type: message/rfc822\r\n\r\n" + returned + "\r\nWe shipped your order yesterday.\r\n"
    )
    return (
        "Return-Path: <>\r\n"
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
        f"To: {SUPPORT}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <20240603101520.4F1A2@mx.example.net>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b0"\r\n\r\n'
        "--b0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is the mail system at host mx.example.net.\r\n\r\nYour message could not be delivered.\r\n"
        "--b0\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
        "Final-Recipient: rfc822; budi.santoso@exmaple.org\r\nAction: failed\r\nStatus: 5.1.2\r\n"
        "--b0\r\n" + returned_part + "--b0--\r\n"
    ).encode()


def test_a_bounce_of_loket_mail_joins_the_ticket_it_belongs_to_and_reopens_it(deliver: Deliver) -> None:
    ticket = _ticket()
    sent = _sent(ticket, "<loket.evt7@loket.example>")
    service.update_ticket(ticket.ticket_id, int(ticket.version), {"status": "pending"}, AGENT)

    delivered = deliver(_bounce(sent))

    assert (delivered.outcome, delivered.ticket_id) == ("added", ticket.ticket_id)
    entry = delivered.entries()[-1]
    assert entry.extra["mail"]["thread_rule"] == "returned-mail"
    assert "delivery-status" in entry.extra["mail"]["gate"]  # automatic: nothing is sent back
    assert "could not be delivered" in entry.body_text
    assert repo.get_ticket(ticket.ticket_id).status == Status.OPEN.value  # the customer never got it: act


def test_a_bounce_carrying_only_the_returned_headers_joins_the_ticket_too(deliver: Deliver) -> None:
    ticket = _ticket()
    sent = _sent(ticket, "<loket.evt8@loket.example>")

    delivered = deliver(_bounce(sent, headers_only=True))

    assert (delivered.outcome, delivered.ticket_id) == ("added", ticket.ticket_id)
    assert delivered.entries()[-1].extra["mail"]["thread_rule"] == "returned-mail"


def test_a_bounce_of_mail_loket_never_sent_is_a_new_automatic_ticket(deliver: Deliver) -> None:
    _ticket()

    delivered = deliver(_bounce("<someone-elses@mail.example>"))

    assert delivered.outcome == "created"
    assert delivered.entries()[-1].extra["mail"]["thread_rule"] == "new"


def test_a_forwarded_mail_that_is_no_bounce_is_not_threaded_by_the_message_inside(deliver: Deliver) -> None:
    ticket = _ticket()
    sent = _sent(ticket, "<loket.evt9@loket.example>")
    inner = _bounce(sent)  # any mail carrying Loket's mail as an attachment
    forwarded = make_mail(subject="Fwd: look at this", attachments=[("returned.eml", "message/rfc822", inner)])

    delivered = deliver(forwarded)

    assert delivered.outcome == "created"
    assert delivered.ticket_id != ticket.ticket_id
