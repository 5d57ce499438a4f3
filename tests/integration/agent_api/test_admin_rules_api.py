"""The rule set's admin routes through the agent API handler (moto): admin only, If-Match, 422 with the reason."""

from __future__ import annotations

from typing import Any

import pytest

from loket.core import directory
from loket.core.domain.directory import Agent, Group
from tests.integration.agent_api.conftest import ADMIN, AGENT, Api

LEAD = {"sub": "lead-1", "email": "lead@example.com", "cognito:groups": "[lead]"}
BILLING_WORDS = "invoice|refund|payment|tagihan|pembayaran"


@pytest.fixture(autouse=True)
def groups(aws: None) -> None:
    directory.save_group(Group("billing"))
    directory.save_group(Group("technical"))
    directory.save_agent(Agent("sub-sari", "sari@loket.example", groups=("billing",)))


def _body(name: str = "Billing words", pattern: str = BILLING_WORDS, **actions: Any) -> dict[str, Any]:
    return {
        "name": name,
        "conditions": {"any": [{"field": "subject_or_body", "operator": "matches", "value": pattern}]},
        "actions": actions or {"group": "billing", "tags_add": ["billing"]},
    }


def _create(api: Api, **changes: Any) -> dict[str, Any]:
    reply = api("create_rule", body=_body(**changes))
    assert reply.status == 201, reply.body
    assert reply.headers["etag"] == f'"{reply.body["version"]}"'
    return reply.body


def test_create_read_list_and_replace_with_if_match(api: Api) -> None:
    first = _create(api)
    second = _create(api, name="Errors", pattern="error|crash|login|bug", group="technical")
    assert (first["position"], second["position"], first["version"]) == (0, 1, 1)

    listed = api("list_rules").body["items"]
    assert [r["name"] for r in listed] == ["Billing words", "Errors"]
    got = api("get_rule", path={"rule": first["id"]})
    assert (got.status, got.headers["etag"], got.body) == (200, '"1"', first)

    replaced = api("replace_rule", path={"rule": first["id"]}, body=_body("Money"), headers={"if-match": '"1"'})
    assert (replaced.status, replaced.body["name"], replaced.headers["etag"]) == (200, "Money", '"2"')
    stale = api("replace_rule", path={"rule": first["id"]}, body=_body("Late"), headers={"if-match": '"1"'})
    assert (stale.status, stale.body["error"]["code"]) == (412, "stale_version")
    missing = api("replace_rule", path={"rule": first["id"]}, body=_body("No version"), headers={"if-match": None})
    assert (missing.status, missing.body["error"]["code"]) == (428, "precondition_required")
    garbled = api("replace_rule", path={"rule": first["id"]}, body=_body("x"), headers={"if-match": "yesterday"})
    assert garbled.status == 400
    assert api("get_rule", path={"rule": first["id"]}).body["name"] == "Money"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (_body(group="sales"), "actions.group: there is no group 'sales'"),
        (_body(assignee="sub-nobody"), "actions.assignee: there is no agent 'sub-nobody'"),
        (_body(pattern="(unclosed"), "does not compile"),
        (_body(pattern=r"(a)\1"), "does not compile"),
        (_body(pattern="a" * 201), "at most 200 characters"),
        ({**_body(), "conditions": {"all": [], "any": []}}, "at least one condition"),
        ({**_body(), "actions": {}}, "at least one action"),
        ({**_body(), "conditions": {"all": [{"field": "mood", "operator": "is", "value": "x"}]}}, "unknown field"),
        ({**_body(), "position": 3}, "Extra inputs are not permitted"),
    ],
)
def test_bad_rules_answer_422_with_the_reason(api: Api, body: dict[str, Any], reason: str) -> None:
    reply = api("create_rule", body=body)
    assert reply.status == 422, reply.body
    error = reply.body["error"]
    assert reason in error["message"] + " ".join(d["problem"] for d in error.get("details", []))
    assert api("list_rules").body["items"] == []


def test_an_unknown_rule_is_404_on_every_rule_route(api: Api) -> None:
    for name, extra in (
        ("get_rule", {}),
        ("replace_rule", {"body": _body(), "headers": {"if-match": '"1"'}}),
        ("delete_rule", {"headers": {"if-match": '"1"'}}),
        ("test_rule", {"body": {"ticket": "LKT-1"}}),
    ):
        reply = api(name, path={"rule": "nope"}, **extra)
        assert (reply.status, reply.body["error"]["code"]) == (404, "not_found"), name


def test_delete_needs_the_current_version(api: Api) -> None:
    rule = _create(api)
    assert api("delete_rule", path={"rule": rule["id"]}, headers={"if-match": None}).status == 428
    assert api("delete_rule", path={"rule": rule["id"]}, headers={"if-match": '"7"'}).status == 412
    gone = api("delete_rule", path={"rule": rule["id"]}, headers={"if-match": '"1"'})
    assert (gone.status, gone.body) == (204, None)
    assert api("get_rule", path={"rule": rule["id"]}).status == 404


def test_reorder_takes_every_id_once(api: Api) -> None:
    a, b, c = (_create(api, name=n) for n in ("a", "b", "c"))
    reply = api("reorder_rules", body={"order": [c["id"], a["id"], b["id"]]})
    assert reply.status == 200
    assert [(r["name"], r["position"]) for r in reply.body["items"]] == [("c", 0), ("a", 1), ("b", 2)]
    short = api("reorder_rules", body={"order": [c["id"], a["id"]]})
    assert short.status == 422 and f"missing: {b['id']}" in short.body["error"]["message"]
    assert [r["name"] for r in api("list_rules").body["items"]] == ["c", "a", "b"]


def test_routing_settings_with_if_match(api: Api) -> None:
    start = api("get_routing")
    assert (start.status, start.body, start.headers["etag"]) == (
        200, {"mode": "first", "default_group": "support", "version": 0}, '"0"',
    )  # fmt: skip
    unknown = api("put_routing", body={"mode": "all", "default_group": "sales"}, headers={"if-match": '"0"'})
    assert unknown.status == 422 and "no group 'sales'" in unknown.body["error"]["message"]
    saved = api("put_routing", body={"mode": "all", "default_group": "billing"}, headers={"if-match": '"0"'})
    assert (saved.status, saved.body["mode"], saved.headers["etag"]) == (200, "all", '"1"')
    assert (
        api("put_routing", body={"mode": "first", "default_group": "billing"}, headers={"if-match": '"0"'}).status
        == 412
    )
    assert (
        api("put_routing", body={"mode": "first", "default_group": "billing"}, headers={"if-match": None}).status == 428
    )
    assert api("put_routing", body={"mode": "sometimes", "default_group": "billing"}).status == 422
    assert api("get_routing").body["mode"] == "all"


def test_trying_a_rule_on_a_ticket_changes_nothing(api: Api) -> None:
    billing = _create(api)
    errors = _create(api, name="Errors", pattern="error|crash", group="technical", priority="high")
    ticket = api.create(subject="Tagihan salah", body="The invoice is wrong")

    tried = api("test_rule", path={"rule": billing["id"]}, body={"ticket": ticket["number"]})
    assert tried.status == 200
    assert tried.body == {
        "ticket": ticket["number"],
        "rule": billing["id"],
        "matches": True,
        "would_set": {"group": "billing", "priority": None, "type": None, "assignee": None, "tags_add": ["billing"]},
        "rule_set": {"rules": [billing["id"]], "group": "billing", "priority": None, "type": None, "assignee": None,
                     "tags_add": ["billing"], "default_group": False},
    }  # fmt: skip
    other = api("test_rule", path={"rule": errors["id"]}, body={"ticket": ticket["id"]})
    assert (other.body["matches"], other.body["would_set"], other.body["rule_set"]["rules"]) == (
        False, None, [billing["id"]],
    )  # fmt: skip
    after = api("get_ticket", ticket=ticket["number"]).body
    assert (after["version"], after["group"], after["tags"]) == (ticket["version"], ticket["group"], ticket["tags"])
    nowhere = api("test_rule", path={"rule": billing["id"]}, body={"ticket": "LKT-999"})
    assert (nowhere.status, nowhere.body["error"]["code"]) == (409, "reference_not_found")


@pytest.mark.parametrize("claims", [AGENT, LEAD], ids=["agent", "lead"])
def test_only_admins_may_see_or_change_rules(api: Api, claims: dict[str, str]) -> None:
    rule = _create(api)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("list_rules", {}),
        ("create_rule", {"body": _body()}),
        ("get_rule", {"path": {"rule": rule["id"]}}),
        ("replace_rule", {"path": {"rule": rule["id"]}, "body": _body(), "headers": {"if-match": '"1"'}}),
        ("delete_rule", {"path": {"rule": rule["id"]}, "headers": {"if-match": '"1"'}}),
        ("reorder_rules", {"body": {"order": [rule["id"]]}}),
        ("test_rule", {"path": {"rule": rule["id"]}, "body": {"ticket": "LKT-1"}}),
        ("get_routing", {}),
        ("put_routing", {"body": {"mode": "all", "default_group": "billing"}, "headers": {"if-match": '"0"'}}),
    ]
    for name, extra in calls:
        reply = api(name, claims=claims, **extra)
        assert (reply.status, reply.body["error"]["code"]) == (403, "forbidden"), name
    assert api("get_rule", path={"rule": rule["id"]}, claims=ADMIN).body == rule  # nothing changed


def test_removing_a_group_or_agent_a_rule_names_is_409_naming_the_rule_or_moves_it(api: Api) -> None:
    rule = _create(api, name="Refunds", group="billing", assignee="sub-sari")
    api("put_routing", body={"mode": "first", "default_group": "billing"}, headers={"if-match": '"0"'})
    group_version = f'"{directory.group("billing").version}"'  # type: ignore[union-attr]

    refused = api("admin_delete_group", path={"group": "billing"}, query={}, headers={"if-match": group_version})
    assert refused.status == 409 and refused.body["error"]["code"] == "still_referenced"
    assert "rule 'Refunds'" in refused.body["error"]["message"]
    assert "the routing default group" in refused.body["error"]["message"]
    agent_version = f'"{directory.agent("sub-sari").version}"'  # type: ignore[union-attr]
    kept = api("admin_delete_agent", path={"agent": "sub-sari"}, query={}, headers={"if-match": agent_version})
    assert kept.status == 409 and "rule 'Refunds'" in kept.body["error"]["message"]

    directory.save_agent(Agent("sub-tono", "tono@loket.example", groups=("technical",)))
    # sari leaves billing first, so that the group's only references are the rule and the default group
    sari = directory.agent("sub-sari")
    assert sari is not None
    directory.save_agent(Agent("sub-sari", "sari@loket.example", groups=("technical",)), sari.version)
    group_version = f'"{directory.group("billing").version}"'  # type: ignore[union-attr]
    moved = api(
        "admin_delete_group", path={"group": "billing"}, query={"move_to": "technical"},
        headers={"if-match": group_version},
    )  # fmt: skip
    assert moved.status == 204, moved.body
    agent_version = f'"{directory.agent("sub-sari").version}"'  # type: ignore[union-attr]
    gone = api(
        "admin_delete_agent", path={"agent": "sub-sari"}, query={"move_to": "sub-tono"},
        headers={"if-match": agent_version},
    )  # fmt: skip
    assert gone.status == 204, gone.body
    after = api("get_rule", path={"rule": rule["id"]}).body
    assert (after["actions"]["group"], after["actions"]["assignee"], after["version"]) == ("technical", "sub-tono", 3)
    assert api("get_routing").body["default_group"] == "technical"
