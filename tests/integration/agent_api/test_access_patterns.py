"""Reads cost what they return: one GetItem for a ticket, one Query for a queue page, never a Scan.

The `api` fixture records every DynamoDB call of every agent API test and fails the test on a Scan.
"""

from __future__ import annotations

from tests.integration.agent_api.conftest import ADMIN, Api, DynamoCalls


def test_reading_one_ticket_is_a_getitem_its_sla_one_more_and_the_agents_groups_one_more(
    api: Api, dynamo_calls: DynamoCalls
) -> None:
    created = api.create()
    dynamo_calls.reset()
    assert api("get_ticket", ticket=created["id"]).status == 200
    # the agent's directory entry (their groups), the ticket, its SLA item
    assert dynamo_calls.calls == ["GetItem", "GetItem", "GetItem"]
    dynamo_calls.reset()
    assert api("get_ticket", ticket=created["id"], claims=ADMIN).status == 200
    assert dynamo_calls.calls == ["GetItem", "GetItem"]  # an admin's scope is everything: no directory read


def test_queue_view_page_is_one_query(api: Api, dynamo_calls: DynamoCalls) -> None:
    for _ in range(4):
        api.create(group="billing")
    dynamo_calls.reset()
    reply = api("list_tickets", query={"group": "billing", "status": "new", "limit": "3"})
    assert reply.status == 200
    assert len(reply.body["items"]) == 3
    assert dynamo_calls.calls == ["GetItem", "Query"]  # the agent's groups, then the queue's page


def test_queue_view_orders_by_priority_then_age_and_pages_with_cursor(api: Api) -> None:
    low = api.create(priority="low", subject="low")
    urgent_old = api.create(priority="urgent", subject="urgent old")
    normal = api.create(priority="normal", subject="normal")
    urgent_new = api.create(priority="urgent", subject="urgent new")
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        query = {"group": "support", "status": "new", "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = api("list_tickets", query=query).body
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [urgent_old["id"], urgent_new["id"], normal["id"], low["id"]]


def test_filters_by_assignee_requester_tag_and_priority(api: Api) -> None:
    mine = api.create(assignee="agent-1", tags=["billing"])
    other = api.create(requester={"email": "siti@example.com"}, priority="urgent")
    assert [t["id"] for t in api("list_tickets", query={"assignee": "me"}).body["items"]] == [mine["id"]]
    by_requester = api("list_tickets", query={"requester": "SITI@example.com"}).body["items"]
    assert [t["id"] for t in by_requester] == [other["id"]]
    assert [t["id"] for t in api("list_tickets", query={"tag": "billing"}).body["items"]] == [mine["id"]]
    assert [t["id"] for t in api("list_tickets", query={"priority": "urgent"}).body["items"]] == [other["id"]]
    assert api("list_tickets", query={"tag": "billing", "status": "closed"}).body["items"] == []


def test_listing_without_filters_walks_every_status(api: Api) -> None:
    first = api.create()
    second = api.create()
    api("add_reply", ticket=second["id"])  # second is now open
    items: list[str] = []
    cursor = None
    for _ in range(20):
        page = api("list_tickets", query={"limit": "1", **({"cursor": cursor} if cursor else {})}).body
        items += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert items == [first["id"], second["id"]]


def test_tag_removed_by_patch_leaves_tag_listing(api: Api) -> None:
    created = api.create(tags=["vip"])
    api("patch_ticket", ticket=created["id"], body={"tags": ["normal"]}, headers={"if-match": '"1"'})
    assert api("list_tickets", query={"tag": "vip"}).body["items"] == []
    assert [t["id"] for t in api("list_tickets", query={"tag": "normal"}).body["items"]] == [created["id"]]
