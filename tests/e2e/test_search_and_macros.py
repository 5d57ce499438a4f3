"""Search and macros on the local stack, over HTTP: a ticket is found by a word of its subject, and a macro applied
to it posts a reply whose status link opens the customer's status page (the template gives the agent API the
signing key and the public base URL)."""

from __future__ import annotations

import re
import urllib.parse
import uuid

import pytest

from loket_local.stack import LocalStack
from tests.e2e.conftest import http

pytestmark = pytest.mark.e2e


def test_search_then_apply_a_macro_whose_status_link_works(local_stack: LocalStack) -> None:
    tokens = local_stack.issuer.tokens()
    word = f"zebra{uuid.uuid4().hex[:8]}"
    created = http(
        local_stack, "POST", "/v1/tickets", token=tokens["agent"], headers={"Idempotency-Key": word},
        body={"subject": f"Refund {word.upper()}, please", "body": "Twice charged.",
              "requester": {"email": "rina@example.com", "name": "Rina Wijaya"}},
    )  # fmt: skip
    assert created.status == 201, created.body
    ticket = created.json()

    found = http(local_stack, "GET", f"/v1/search?q={word}+refund", token=tokens["agent"])
    assert found.status == 200, found.body
    assert [t["id"] for t in found.json()["items"]] == [ticket["id"]]

    macro = http(
        local_stack, "POST", "/v1/admin/macros", token=tokens["admin"],
        body={"name": f"Refund issued {word}", "body": "Hi {{requester_name}}, see {{status_link}}",
              "actions": {"status": "resolved", "tags_add": ["refund"]}},
    )  # fmt: skip
    assert macro.status == 201, macro.body
    listed = http(local_stack, "GET", "/v1/macros", token=tokens["agent"]).json()["items"]
    assert macro.json()["id"] in [m["id"] for m in listed]

    path = f"/v1/tickets/{ticket['number']}/macros/{macro.json()['id']}"
    applied = http(local_stack, "POST", path, token=tokens["agent"], headers={"If-Match": ticket_etag(ticket)})
    assert applied.status == 201, applied.body
    result = applied.json()
    assert result["ticket"]["status"] == "resolved" and "refund" in result["ticket"]["tags"]
    link = re.search(r"https?://\S+", result["body"])
    assert link is not None and result["body"].startswith("Hi Rina Wijaya, see ")
    page = http(local_stack, "GET", urllib.parse.urlsplit(link.group(0))._replace(scheme="", netloc="").geturl())
    assert page.status == 200
    assert ticket["number"] in page.body.decode()

    again = http(local_stack, "POST", path, token=tokens["agent"], headers={"If-Match": ticket_etag(ticket)})
    assert again.status == 412


def ticket_etag(ticket: dict[str, object]) -> str:
    return f'"{ticket["version"]}"'
