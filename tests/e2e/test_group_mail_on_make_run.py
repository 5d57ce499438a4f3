"""Group addresses on the local stack (a stack of its own: the test changes the directory): a group made through the
admin API takes mail over SMTP at once, the ticket lands in that group, and the acknowledgement in the outbox comes
from the group's address with Reply-To its signed plus-address; an address on the support domain that is neither the
support address nor a group's is refused at RCPT with the reason."""

from __future__ import annotations

import smtplib
import uuid
from collections.abc import Iterator
from email.utils import parseaddr
from typing import Any

import pytest

from loket_local.stack import LocalStack
from tests.e2e.conftest import eventually, http, start_stack
from tests.e2e.test_local_stack import send_mail, support_address

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(own_stacks: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    started = start_stack(tmp_path_factory.mktemp("group-mail-state"))
    yield started
    started.stop()


def _admin(stack: LocalStack) -> str:
    return stack.issuer.tokens()["admin"]


def _ticket(stack: LocalStack, subject: str) -> dict[str, Any] | None:
    items = http(stack, "GET", "/v1/tickets?limit=100", token=_admin(stack)).json()["items"]
    return next((t for t in items if t["subject"] == subject), None)


def _acknowledgement(stack: LocalStack, number: str) -> dict[str, Any] | None:
    return next((m for m in http(stack, "GET", "/_local/outbox.json").json() if number in m["subject"]), None)


def test_a_mail_to_a_new_groups_address_lands_in_that_group_and_is_answered_from_it(stack: LocalStack) -> None:
    domain = support_address(stack).rpartition("@")[2]
    name = f"sales-{uuid.uuid4().hex[:6]}"
    address = f"{name}@{domain}"
    made = http(stack, "POST", "/v1/admin/groups", {"name": name, "address": address}, token=_admin(stack))
    assert made.status == 201, made.json()
    subject = f"Quote for 40 seats {uuid.uuid4().hex[:6]}"

    send_mail(stack, "Ani <ani@customer.example>", address, subject, "Could you send us a quote?")

    ticket = eventually(lambda: _ticket(stack, subject))
    assert ticket["group"] == name
    mail = eventually(lambda: _acknowledgement(stack, ticket["number"]))
    assert parseaddr(mail["sender"])[1] == address
    reply_to = parseaddr(dict(mail["headers"])["Reply-To"])[1]
    assert reply_to.startswith(f"{name}+{ticket['number']}.") and reply_to.endswith(f"@{domain}")


def test_an_address_on_the_support_domain_that_is_nobodys_is_refused_with_the_reason(stack: LocalStack) -> None:
    stranger = f"nobody-{uuid.uuid4().hex[:6]}@{support_address(stack).rpartition('@')[2]}"

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send_mail(stack, "a@example.org", stranger, "hi", "hello")

    code, reason = refused.value.recipients[stranger]
    assert code == 550
    assert b"neither an address a receipt rule names" in reason and b"group's address in the directory" in reason
