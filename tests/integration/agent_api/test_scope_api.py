"""Group scope on the lists, the queue views (each one index, never a Scan), the unassigned index and bulk changes.

World: groups billing and it; `billing-agent` in billing, `it-agent` in it, `stranger` in no group (not in the
directory), `billing-lead` leads billing. Tickets are opened by an admin.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.agent_api.conftest import ADMIN, Api, DynamoCalls, join_groups


def person(sub: str, role: str = "agent") -> dict[str, str]:
    return {"sub": sub, "email": f"{sub}@example.com", "cognito:groups": f"[{role}]"}


BILLING, IT, STRANGER, LEAD = (
    person("billing-agent"),
    person("it-agent"),
    person("stranger"),
    person("billing-lead", "lead"),
)


@pytest.fixture
def world(api: Api) -> dict[str, dict[str, Any]]:
    join_groups("billing-agent", "billing-agent@example.com", ("billing",))
    join_groups("it-agent", "it-agent@example.com", ("it",))
    join_groups("billing-lead", "billing-lead@example.com", ("billing",), role="lead")
    return {
        "bill": open_ticket(api, group="billing", subject="bill"),
        "bill_urgent": open_ticket(api, group="billing", subject="bill urgent", priority="urgent"),
        "it": open_ticket(api, group="it", subject="it"),
        "it_stranger": open_ticket(api, group="it", subject="it for stranger", assignee="stranger"),
        "it_billing": open_ticket(api, group="it", subject="it for billing agent", assignee="billing-agent"),
    }


def open_ticket(api: Api, **fields: Any) -> dict[str, Any]:
    import json
    import uuid

    from tests.conftest import load_event

    body = {**json.loads(load_event("agent_api/create_ticket.json")["body"]), "tags": ["scoped"], **fields}
    reply = api("create_ticket", body=body, headers={"idempotency-key": uuid.uuid4().hex}, claims=ADMIN)
    assert reply.status == 201, reply.body
    return reply.body


def subjects(api: Api, claims: dict[str, str], **query: str) -> list[str]:
    reply = api("list_tickets", query={"limit": "100", **query}, claims=claims)
    assert reply.status == 200, reply.body
    return [t["subject"] for t in reply.body["items"]]


def test_every_list_holds_only_the_tickets_in_the_callers_scope(api: Api, world: Any) -> None:
    everything = {"bill", "bill urgent", "it", "it for stranger", "it for billing agent"}
    assert set(subjects(api, ADMIN)) == everything
    assert set(subjects(api, BILLING)) == {"bill", "bill urgent", "it for billing agent"}
    assert set(subjects(api, LEAD)) == {"bill", "bill urgent"}
    assert set(subjects(api, IT)) == {"it", "it for stranger", "it for billing agent"}
    assert subjects(api, STRANGER) == ["it for stranger"]
    for claims, seen in [(BILLING, {"bill", "bill urgent", "it for billing agent"}), (STRANGER, {"it for stranger"})]:
        assert set(subjects(api, claims, tag="scoped")) == seen  # tag items: filtered after the read
        assert set(subjects(api, claims, requester="budi@example.co.id")) == seen
        assert set(subjects(api, claims, status="open")) == seen & {"it for stranger", "it for billing agent"}


def test_a_group_outside_yours_lists_only_your_tickets_of_it_never_an_error(api: Api, world: Any) -> None:
    assert subjects(api, BILLING, group="it") == ["it for billing agent"]
    assert subjects(api, STRANGER, group="billing") == []
    assert subjects(api, BILLING, group="no-such-group") == []
    assert set(subjects(api, BILLING, group="billing")) == {"bill", "bill urgent"}
    # someone else's tickets: only those of your groups
    assert subjects(api, IT, assignee="billing-agent") == ["it for billing agent"]
    assert subjects(api, BILLING, assignee="stranger") == []
    assert subjects(api, STRANGER, assignee="billing-agent") == []


def test_queue_views_mine_unassigned_group_and_status(api: Api, world: Any) -> None:
    assert subjects(api, BILLING, view="mine") == ["it for billing agent"]
    assert subjects(api, STRANGER, view="mine") == ["it for stranger"]
    assert subjects(api, BILLING, view="unassigned") == ["bill urgent", "bill"]  # most urgent first
    assert subjects(api, IT, view="unassigned") == ["it"]
    assert subjects(api, STRANGER, view="unassigned") == []
    assert subjects(api, BILLING, view="unassigned", group="it") == []  # not your group: nobody's tickets of it
    assert subjects(api, ADMIN, view="unassigned", group="it") == ["it"]
    assert set(subjects(api, ADMIN, view="unassigned")) == {"bill urgent", "bill", "it"}
    assert subjects(api, BILLING, view="unassigned", priority="urgent") == ["bill urgent"]
    assert set(subjects(api, IT, view="group")) == {"it", "it for stranger", "it for billing agent"}
    assert subjects(api, IT, view="group", group="it", status="new") == ["it"]
    assert set(subjects(api, ADMIN, status="open")) == {"it for stranger", "it for billing agent"}


def test_each_view_is_one_index_query_after_the_callers_groups(api: Api, world: Any, dynamo_calls: DynamoCalls) -> None:
    for query in (
        {"view": "mine"},
        {"view": "unassigned", "group": "billing"},
        {"view": "group", "group": "billing", "status": "new"},
    ):
        dynamo_calls.reset()
        assert api("list_tickets", query=query, claims=BILLING).status == 200
        assert dynamo_calls.calls == ["GetItem", "Query"], query


def test_view_parameters_that_contradict_each_other_are_400(api: Api, world: Any) -> None:
    assert api("list_tickets", query={"view": "mine", "assignee": "stranger"}, claims=BILLING).status == 400
    assert api("list_tickets", query={"view": "unassigned", "assignee": "me"}, claims=BILLING).status == 400
    assert api("list_tickets", query={"view": "everything"}, claims=BILLING).status == 422


def test_a_ticket_leaves_the_unassigned_queue_when_assigned_and_returns_when_unassigned(api: Api, world: Any) -> None:
    bill = world["bill"]
    assert "bill" in subjects(api, LEAD, view="unassigned")
    assigned = api(
        "patch_ticket", ticket=bill["id"], body={"assignee": "billing-agent"}, headers={"if-match": f'"{bill["version"]}"'},
        claims=LEAD,
    )  # fmt: skip
    assert assigned.status == 200, assigned.body
    assert "bill" not in subjects(api, LEAD, view="unassigned")
    assert "bill" in subjects(api, BILLING, view="mine")
    back = api(
        "patch_ticket", ticket=bill["id"], body={"assignee": None}, headers={"if-match": f'"{assigned.body["version"]}"'},
        claims=LEAD,
    )  # fmt: skip
    assert back.status == 200, back.body
    assert "bill" in subjects(api, LEAD, view="unassigned")
    resolved = api(
        "patch_ticket", ticket=bill["id"], body={"status": "resolved"}, headers={"if-match": f'"{back.body["version"]}"'},
        claims=LEAD,
    )  # fmt: skip
    assert resolved.status == 200, resolved.body
    assert "bill" not in subjects(api, LEAD, view="unassigned")  # it waits for nobody any more


def test_bulk_assigns_and_moves_per_ticket_with_a_result_each(api: Api, world: Any) -> None:
    refs = [world["bill"]["number"], world["it"]["number"], "LKT-999999", world["bill_urgent"]["id"]]
    reply = api("bulk_change", body={"tickets": refs, "assignee": "billing-agent"}, claims=LEAD)
    assert reply.status == 200, reply.body
    outcomes = [(r["ticket"], r["outcome"]) for r in reply.body["items"]]
    assert outcomes == [
        (refs[0], "changed"),
        (refs[1], "not_found"),  # group it is not the lead's: told apart from a missing ticket by nothing
        (refs[2], "not_found"),
        (refs[3], "changed"),
    ]
    assert reply.body["items"][1]["message"] == reply.body["items"][2]["message"].replace(refs[2], refs[1])
    assert reply.body["items"][1]["result"] is None
    assert reply.body["items"][0]["result"]["assignee"] == "billing-agent"
    assert {t["subject"] for t in api("list_tickets", query={"view": "mine"}, claims=BILLING).body["items"]} == {
        "bill", "bill urgent", "it for billing agent",
    }  # fmt: skip
    audit = api("list_audit", ticket=world["bill"]["id"], claims=ADMIN).body["items"]
    assert [(a["field"], a["new"]) for a in audit if a["field"] == "assignee"] == [("assignee", "billing-agent")]
    again = api("bulk_change", body={"tickets": [refs[0]], "assignee": "billing-agent"}, claims=LEAD)
    assert [r["outcome"] for r in again.body["items"]] == ["unchanged"]
    it_untouched = api("get_ticket", ticket=world["it"]["id"], claims=ADMIN).body
    assert it_untouched["assignee"] is None and it_untouched["version"] == world["it"]["version"]


def test_bulk_move_and_what_it_refuses(api: Api, world: Any) -> None:
    moved = api("bulk_change", body={"tickets": [world["it"]["number"]], "group": "billing"}, claims=ADMIN)
    assert [r["outcome"] for r in moved.body["items"]] == ["changed"]
    assert "it" in subjects(api, BILLING, view="unassigned")  # it now waits in billing's queue
    assert "it" not in subjects(api, IT, view="unassigned")
    closed = world["bill"]
    for status in ("resolved", "closed"):
        current = api("get_ticket", ticket=closed["id"], claims=ADMIN).body
        api(
            "patch_ticket",
            ticket=closed["id"],
            body={"status": status},
            headers={"if-match": f'"{current["version"]}"'},
            claims=ADMIN,
        )
    refused = api("bulk_change", body={"tickets": [closed["id"]], "group": "it"}, claims=ADMIN)
    assert [r["outcome"] for r in refused.body["items"]] == ["invalid_transition"]
    assert api("bulk_change", body={"tickets": [closed["id"]]}, claims=ADMIN).status == 422
    assert api("bulk_change", body={"tickets": [], "group": "it"}, claims=ADMIN).status == 422
    assert api("bulk_change", body={"tickets": ["LKT-1"], "group": None}, claims=ADMIN).status == 422
