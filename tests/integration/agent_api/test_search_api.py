"""GET /v1/search on moto: by number, requester, tag and subject words, several at once, pages; never a Scan."""

from __future__ import annotations

from typing import Any

from tests.integration.agent_api.conftest import ADMIN, Api, join_groups


def _search(api: Api, **query: str) -> Any:
    return api("search_tickets", query=query)


def _subjects(reply: Any) -> list[str]:
    assert reply.status == 200, reply.body
    return [t["subject"] for t in reply.body["items"]]


def _world(api: Api) -> list[dict[str, Any]]:
    return [
        api.create(subject="Tagihan November salah", requester={"email": "rina@example.com", "name": "Rina"}),
        api.create(subject="Refund for the invoice", tags=["vip", "billing"]),
        api.create(subject="Invoice copy, please", requester={"email": "Rina@Example.com", "name": "Rina"}),
        api.create(subject="Café login brøken", tags=["vip"]),
    ]


def test_search_by_number_with_or_without_prefix(api: Api) -> None:
    tickets = _world(api)
    assert _subjects(_search(api, q=tickets[2]["number"])) == ["Invoice copy, please"]
    assert _subjects(_search(api, q=tickets[2]["number"].split("-")[1])) == ["Invoice copy, please"]
    assert _search(api, q="LKT-999").body == {"items": [], "next_cursor": None}


def test_search_by_requester_tag_and_words_newest_first(api: Api) -> None:
    _world(api)
    assert _subjects(_search(api, q="RINA@example.com")) == ["Invoice copy, please", "Tagihan November salah"]
    assert _subjects(_search(api, q="tag:vip")) == ["Café login brøken", "Refund for the invoice"]
    assert _subjects(_search(api, q="#VIP #billing")) == ["Refund for the invoice"]
    assert _subjects(_search(api, q="invoice")) == ["Invoice copy, please", "Refund for the invoice"]
    assert _subjects(_search(api, q="tagihan")) == ["Tagihan November salah"]
    assert _subjects(_search(api, q="cafe LOGIN")) == ["Café login brøken"]  # accents and case do not matter


def test_several_terms_must_all_match(api: Api) -> None:
    _world(api)
    assert _subjects(_search(api, q="invoice refund")) == ["Refund for the invoice"]
    assert _subjects(_search(api, q="invoice rina@example.com")) == ["Invoice copy, please"]
    assert _subjects(_search(api, q="invoice tag:vip")) == ["Refund for the invoice"]
    assert _subjects(_search(api, q="invoice tagihan")) == []


def test_a_renamed_ticket_is_found_by_its_new_words_only(api: Api) -> None:
    ticket = api.create(subject="Printer macet")
    reply = api("patch_ticket", ticket=ticket["id"], body={"subject": "Scanner rusak"}, headers={"if-match": '"1"'})
    assert reply.status == 200, reply.body
    assert reply.body["subject"] == "Scanner rusak"
    assert _subjects(_search(api, q="printer")) == []
    assert _subjects(_search(api, q="scanner rusak")) == ["Scanner rusak"]


def test_pages_follow_next_cursor(api: Api) -> None:
    for i in range(5):
        api.create(subject=f"Invoice {i}")
    seen: list[str] = []
    query = {"q": "invoice", "limit": "2"}
    for _page in range(5):
        reply = _search(api, **query)
        seen += _subjects(reply)
        if reply.body["next_cursor"] is None:
            break
        query["cursor"] = reply.body["next_cursor"]
    assert seen == [f"Invoice {i}" for i in (4, 3, 2, 1, 0)]


def test_bad_searches_answer_4xx_with_the_reason(api: Api) -> None:
    api.create(subject="Invoice")
    only_stopwords = _search(api, q="the yang")
    assert only_stopwords.status == 400
    assert "nothing to search for" in only_stopwords.body["error"]["message"]
    assert _search(api, q="invoice", cursor="e30").status == 400
    assert api("search_tickets", query={}).status == 422  # q is required
    assert _search(api, q="x" * 201).status == 422


def test_search_keeps_to_the_callers_group_scope(api: Api) -> None:
    join_groups("it-agent", "it-agent@example.com", ("it",))
    it_agent = {"sub": "it-agent", "email": "it-agent@example.com", "cognito:groups": "[agent]"}
    billing = api.create(subject="Invoice wrong", group="billing")
    it = api.create(subject="Invoice printer", group="it")
    mine = api.create(subject="Invoice for the it agent", group="billing", assignee="it-agent")

    def ids(claims: dict[str, str], q: str) -> list[str]:
        reply = api("search_tickets", query={"q": q}, claims=claims)
        assert reply.status == 200, reply.body
        return [t["id"] for t in reply.body["items"]]

    assert ids(it_agent, "invoice") == [mine["id"], it["id"]]
    assert ids(it_agent, billing["number"]) == []  # as if it did not exist
    assert ids(ADMIN, "invoice") == [mine["id"], it["id"], billing["id"]]
