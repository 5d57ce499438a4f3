"""Routing on the local stack as `make run` starts it (the demo's directory, rules and macros): a mail to the
support address with a billing word lands with a Billing agent, and the ticket's audit trail names the rule that
routed it and how it was assigned (stream -> Pipe -> bus -> RouterRule -> RouterQueue -> router)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from loket_local import demo
from loket_local.stack import LocalStack
from tests.e2e.conftest import eventually, http, start_stack
from tests.e2e.test_local_stack import send_mail, support_address

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo_stack(own_stacks: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    stack = start_stack(tmp_path_factory.mktemp("routing-state"))
    demo.seed(stack)  # what `make run` does on a first start
    yield stack
    stack.stop()


def _ticket_with_subject(stack: LocalStack, subject: str) -> dict[str, Any] | None:
    admin = stack.issuer.tokens()["admin"]
    items = http(stack, "GET", "/v1/tickets?limit=100", token=admin).json()["items"]
    return next((t for t in items if t["subject"] == subject and t.get("assignee")), None)


def test_a_billing_mail_lands_with_a_billing_agent_and_the_audit_names_the_rule(demo_stack: LocalStack) -> None:
    admin = demo_stack.issuer.tokens()["admin"]
    billing = {a["id"] for a in http(demo_stack, "GET", "/v1/agents", token=admin).json()["items"]
               if "billing" in a["groups"] and a["availability"] == "available"}  # fmt: skip
    assert billing, "the demo has available Billing agents"
    subject = f"Invoice charged twice {uuid.uuid4().hex[:6]}"

    send_mail(demo_stack, "ani@customer.example", support_address(demo_stack), subject, "Please refund one of them.")

    ticket = eventually(lambda: _ticket_with_subject(demo_stack, subject))
    assert ticket["group"] == "billing"
    assert ticket["assignee"] in billing
    assert "billing" in ticket["tags"]
    audit = http(demo_stack, "GET", f"/v1/tickets/{ticket['id']}/audit", token=admin).json()["items"]
    routing = [a["new"] for a in audit if a["field"] == "routing"]
    assert any(r.get("name") == "Billing words" for r in routing), routing
    assert any(r.get("agent") == ticket["assignee"] and r.get("mode") == "round_robin" for r in routing), routing
