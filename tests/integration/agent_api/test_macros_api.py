"""Macros on moto: admins keep them (If-Match, 422 for unknown placeholders, 403 for others); agents apply one to a
ticket as one change with one audit entry."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from loket.core import directory, status_links
from loket.core import tickets as svc
from loket.core.data.keys import ticket_pk
from loket.core.data.models import OutboxItem
from loket.core.domain.ticket import Actor
from tests.integration.agent_api.conftest import ADMIN, AGENT, Api
from tests.support.botocore_hooks import before_first

NEED_MORE_INFO = {
    "name": "Need more info",
    "body": "Hi {{requester_name}}, about {{ ticket_number }}: could you send a screenshot?\n"
    "Follow it here: {{status_link}}\n-- {{agent_name}}",
    "kind": "public_reply",
    "actions": {
        "status": "pending",
        "priority": "high",
        "tags_add": ["waiting", "Screenshot"],
        "tags_remove": ["login"],
    },
}
CHECKED = {"name": "Checked billing", "body": "Looked at {{ticket_number}}: all fine.", "kind": "internal_note"}


def _create(api: Api, body: dict[str, Any]) -> Any:
    reply = api("create_macro", body=body, claims=ADMIN)
    assert reply.status == 201, reply.body
    return reply


def _macro(api: Api, macro_id: str, claims: dict[str, Any] = ADMIN) -> Any:
    return api("get_macro", path={"macro": macro_id}, claims=claims)


# --- admin routes ---------------------------------------------------------------------------------------


def test_create_read_list_change_and_delete_a_macro(api: Api) -> None:
    created = _create(api, NEED_MORE_INFO)
    macro = created.body
    assert created.headers["etag"] == '"1"'
    assert macro["name"] == "Need more info" and macro["version"] == 1
    assert macro["actions"] == {
        "status": "pending", "priority": "high", "tags_add": ["waiting", "screenshot"], "tags_remove": ["login"]
    }  # fmt: skip
    _create(api, CHECKED)
    listed = api("list_macros_admin", claims=ADMIN)
    assert [m["name"] for m in listed.body["items"]] == ["Checked billing", "Need more info"]
    assert _macro(api, macro["id"]).body == macro

    changed = api(
        "put_macro", path={"macro": macro["id"]}, body={**NEED_MORE_INFO, "name": "More info"}, claims=ADMIN,
        headers={"if-match": '"1"'},
    )  # fmt: skip
    assert changed.status == 200, changed.body
    assert (changed.body["name"], changed.body["version"], changed.headers["etag"]) == ("More info", 2, '"2"')

    deleted = api("delete_macro", path={"macro": macro["id"]}, claims=ADMIN, headers={"if-match": '"2"'})
    assert deleted.status == 204
    assert _macro(api, macro["id"]).status == 404
    assert [m["name"] for m in api("list_macros", claims=AGENT).body["items"]] == ["Checked billing"]


@pytest.mark.parametrize("route", ["create_macro", "put_macro"])
def test_an_unknown_placeholder_is_refused_with_422_naming_it(api: Api, route: str) -> None:
    macro = _create(api, CHECKED).body
    body = {**CHECKED, "body": "Dear {{customer}}, {{ requester_name }} {{ticket.number}}"}
    reply = api(route, path={"macro": macro["id"]}, body=body, claims=ADMIN, headers={"if-match": '"1"'})
    assert reply.status == 422
    message = reply.body["error"]["message"]
    assert "{{customer}}" in message and "{{ticket.number}}" in message and "{{requester_name}}" in message
    assert _macro(api, macro["id"]).body["body"] == CHECKED["body"]  # unchanged


@pytest.mark.parametrize(
    "body",
    [
        {**CHECKED, "actions": {"status": "new"}},
        {**CHECKED, "actions": {"tags_add": ["vip"], "tags_remove": ["VIP"]}},
        {**CHECKED, "kind": "tweet"},
        {**CHECKED, "body": ""},
        {**CHECKED, "extra": 1},
    ],
)
def test_other_bad_macros_are_422(api: Api, body: dict[str, Any]) -> None:
    assert api("create_macro", body=body, claims=ADMIN).status == 422


def test_changes_need_the_current_version(api: Api) -> None:
    macro = _create(api, CHECKED).body
    ref = {"macro": macro["id"]}
    assert api("put_macro", path=ref, body=CHECKED, claims=ADMIN, headers={"if-match": None}).status == 428
    assert api("delete_macro", path=ref, claims=ADMIN, headers={"if-match": None}).status == 428
    assert api("put_macro", path=ref, body=CHECKED, claims=ADMIN, headers={"if-match": '"7"'}).status == 412
    assert api("delete_macro", path=ref, claims=ADMIN, headers={"if-match": '"7"'}).status == 412
    assert api("delete_macro", path=ref, claims=ADMIN, headers={"if-match": "seven"}).status == 400
    assert _macro(api, macro["id"]).body["version"] == 1


def test_an_unknown_macro_is_404(api: Api) -> None:
    ref = {"macro": "nope"}
    assert _macro(api, "nope").status == 404
    assert api("put_macro", path=ref, body=CHECKED, claims=ADMIN, headers={"if-match": '"1"'}).status == 404
    assert api("delete_macro", path=ref, claims=ADMIN, headers={"if-match": '"1"'}).status == 404


def test_only_admins_keep_macros(api: Api) -> None:
    macro = _create(api, CHECKED).body
    ref = {"macro": macro["id"]}
    lead = {**AGENT, "sub": "lead-1", "cognito:groups": "[lead]"}
    for claims in (AGENT, lead):
        assert api("list_macros_admin", claims=claims).status == 403
        assert api("create_macro", body=CHECKED, claims=claims).status == 403
        assert api("get_macro", path=ref, claims=claims).status == 403
        assert api("put_macro", path=ref, body=CHECKED, claims=claims, headers={"if-match": '"1"'}).status == 403
        assert api("delete_macro", path=ref, claims=claims, headers={"if-match": '"1"'}).status == 403
        assert [m["id"] for m in api("list_macros", claims=claims).body["items"]] == [macro["id"]]
    assert _macro(api, macro["id"]).body["version"] == 1


# --- applying -------------------------------------------------------------------------------------------


def _apply(api: Api, ticket: dict[str, Any], macro: dict[str, Any], version: str | None = '"1"') -> Any:
    return api(
        "apply_macro", path={"ticket": ticket["number"], "macro": macro["id"]}, claims=AGENT,
        headers={"if-match": version},
    )  # fmt: skip


def test_applying_a_macro_is_one_change_with_one_audit_entry(api: Api) -> None:
    current = directory.agent("agent-1")  # the api fixture made them a member of the test groups
    assert current is not None
    directory.save_agent(replace(current, name="Sari Dewi"), current.version)
    macro = _create(api, NEED_MORE_INFO).body
    ticket = api.create(tags=["login", "vip"], priority="normal")
    audit_before = api("list_audit", ticket=ticket["id"]).body["items"]

    reply = _apply(api, ticket, macro)

    assert reply.status == 201, reply.body
    assert reply.headers["etag"] == '"2"'  # one save: the version moved once
    link = status_links.url("https://api.example.com", 1, status_links.token(ticket["id"]), "id")
    expected_body = f"Hi Budi Santoso, about LKT-1: could you send a screenshot?\nFollow it here: {link}\n-- Sari Dewi"
    assert reply.body["body"] == expected_body
    assert reply.body["ticket"] == {
        "id": ticket["id"], "number": "LKT-1", "status": "pending", "priority": "high",
        "tags": ["vip", "waiting", "screenshot"], "version": 2,
    }  # fmt: skip
    entries = api("list_conversation", ticket=ticket["id"]).body["items"]
    assert [(e["kind"], e["body_text"]) for e in entries[1:]] == [("public_reply", expected_body)]
    audit = api("list_audit", ticket=ticket["id"]).body["items"][len(audit_before) :]
    assert len(audit) == 1
    assert audit[0]["field"] == "macro"
    assert audit[0]["new"]["id"] == macro["id"] and audit[0]["new"]["name"] == "Need more info"
    assert audit[0]["new"]["entry_id"] == reply.body["entry_id"]
    assert audit[0]["new"]["changes"] == {
        "status": {"old": "new", "new": "pending"},
        "priority": {"old": "normal", "new": "high"},
        "tags": {"old": ["login", "vip"], "new": ["vip", "waiting", "screenshot"]},
    }
    assert _subjects_with_tag(api, "waiting") == [ticket["id"]]  # tag items moved in the same transaction


def _subjects_with_tag(api: Api, tag: str) -> list[str]:
    return [t["id"] for t in api("list_tickets", query={"tag": tag}).body["items"]]


def test_an_internal_note_macro_keeps_the_status_and_a_placeholder_in_a_value_stays_text(api: Api) -> None:
    macro = _create(api, {**CHECKED, "body": "{{requester_name}} asked about {{ticket_number}}. ${HOME} {0} {{"}).body
    ticket = api.create(requester={"email": "x@example.com", "name": "{{agent_name}} {{status_link}}"})
    reply = _apply(api, ticket, macro)
    assert reply.status == 201, reply.body
    assert reply.body["kind"] == "internal_note"
    assert reply.body["body"] == "{{agent_name}} {{status_link}} asked about LKT-1. ${HOME} {0} {{"
    assert reply.body["ticket"]["status"] == "new"
    audit = api("list_audit", ticket=ticket["id"]).body["items"]
    assert [a["field"] for a in audit] == ["created", "macro"]
    assert audit[1]["new"]["changes"] == {}


def test_a_stale_or_missing_if_match_applies_nothing(api: Api) -> None:
    macro = _create(api, NEED_MORE_INFO).body
    ticket = api.create()
    api("patch_ticket", ticket=ticket["id"], body={"priority": "low"}, headers={"if-match": '"1"'})
    assert _apply(api, ticket, macro, '"1"').status == 412
    assert _apply(api, ticket, macro, None).status == 428
    assert len(api("list_conversation", ticket=ticket["id"]).body["items"]) == 1
    assert api("get_ticket", ticket=ticket["id"]).body["status"] == "new"


def test_applying_an_unknown_macro_or_to_an_unknown_or_closed_ticket(api: Api) -> None:
    macro = _create(api, NEED_MORE_INFO).body
    ticket = api.create()
    assert _apply(api, ticket, {"id": "nope"}).status == 404
    assert _apply(api, {"number": "LKT-99"}, macro).status == 404
    for status, version in (("resolved", '"1"'), ("closed", '"2"')):
        reply = api("patch_ticket", ticket=ticket["id"], body={"status": status}, headers={"if-match": version})
        assert reply.status == 200, reply.body
    refused = _apply(api, ticket, macro, '"3"')
    assert refused.status == 409
    assert "closed" in refused.body["error"]["message"]


def test_a_change_between_reading_and_writing_the_ticket_makes_the_macro_412_and_writes_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    macro = _create(api, NEED_MORE_INFO).body
    ticket = api.create()
    rival = Actor(kind="agent", id="admin-1", email="admin@example.com", role="admin")
    with before_first(
        monkeypatch, "TransactWriteItems", lambda: svc.update_ticket(ticket["id"], 1, {"priority": "low"}, rival)
    ):
        reply = _apply(api, ticket, macro)
    assert reply.status == 412
    after = api("get_ticket", ticket=ticket["id"]).body
    assert (after["priority"], after["status"], after["version"]) == ("low", "new", 2)
    assert len(api("list_conversation", ticket=ticket["id"]).body["items"]) == 1
    assert "macro" not in [a["field"] for a in api("list_audit", ticket=ticket["id"]).body["items"]]


def test_applying_writes_the_entrys_event_and_ticket_updated_for_the_bus(api: Api) -> None:
    macro = _create(api, NEED_MORE_INFO).body
    ticket = api.create()
    reply = _apply(api, ticket, macro)
    assert reply.status == 201, reply.body
    outbox = OutboxItem.query(ticket_pk(ticket["id"]), OutboxItem.sk.startswith("EVENT#"))
    events = {e.event_type: e.payload for e in outbox}
    assert set(events) == {"ticket.created", "message.added", "ticket.updated"}
    assert events["message.added"]["entry_id"] == reply.body["entry_id"]
    assert events["message.added"]["kind"] == "public_reply"
    assert events["ticket.updated"]["changes"]["status"] == {"old": "new", "new": "pending"}
    assert events["message.added"]["ticket_version"] == events["ticket.updated"]["ticket_version"] == 2
