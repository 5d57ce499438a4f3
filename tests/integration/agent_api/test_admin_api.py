"""The admin API on moto: groups and agents (/v1/admin/...), a lead's limited rights, PUT /v1/me/availability, the
logins it creates in the Cognito pool (and disables when the agent is deleted), deletions that tickets still refer to
(409 naming them, or move_to), and the caller named as the actor of what a change writes (not `system`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from loket.core import directory
from loket.core.data import tickets as ticket_repo
from loket.core.data.models import OutboxItem
from loket.core.domain.directory import Agent, Group
from loket.platform.aws import reset as reset_platform
from tests.integration.agent_api.conftest import ADMIN, AGENT, Api, DynamoCalls

LEAD = {"sub": "lead-1", "email": "lead@example.com", "cognito:groups": "[lead]"}


@pytest.fixture
def api(dynamo_calls: DynamoCalls, lambda_context: Any) -> Api:
    """The agent API with an empty directory: these tests build it through the admin routes."""
    return Api(lambda_context)


@pytest.fixture
def pool(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The agent user pool in moto with the template's three groups, named in USER_POOL_ID."""
    cognito = boto3.client("cognito-idp")
    pool_id = cognito.create_user_pool(PoolName="loket-agents-test", UsernameAttributes=["email"])["UserPool"]["Id"]
    for role in ("admin", "lead", "agent"):
        cognito.create_group(GroupName=role, UserPoolId=pool_id)
    monkeypatch.setenv("USER_POOL_ID", pool_id)
    reset_platform()
    yield pool_id
    reset_platform()


def _group(api: Api, name: str, **fields: Any) -> dict[str, Any]:
    reply = api("admin_create_group", body={"name": name, **fields}, claims=ADMIN)
    assert reply.status == 201, reply.body
    return reply.body


def _agent(api: Api, agent_id: str, email: str, **fields: Any) -> dict[str, Any]:
    reply = api("admin_create_agent", body={"id": agent_id, "email": email, **fields}, claims=ADMIN)
    assert reply.status == 201, reply.body
    return reply.body


def _etag(version: int) -> dict[str, str | None]:
    return {"if-match": f'"{version}"'}


# --- groups ---------------------------------------------------------------------------------------


def test_groups_are_created_read_listed_changed_and_deleted(api: Api) -> None:
    created = api(
        "admin_create_group",
        body={"name": "billing", "address": "Billing@Example.com", "assignment_mode": "round_robin"},
        claims=ADMIN,
    )
    assert created.status == 201 and created.headers["etag"] == '"1"'
    assert created.body == {
        "name": "billing",
        "address": "billing@example.com",
        "assignment_mode": "round_robin",
        "description": "",
        "version": 1,
    }
    _group(api, "technical", assignment_mode="least_open")

    listed = api("admin_list_groups", claims=ADMIN)
    assert [g["name"] for g in listed.body["items"]] == ["billing", "technical"]
    got = api("admin_get_group", path={"group": "billing"}, claims=ADMIN)
    assert got.status == 200 and got.body == created.body

    changed = api(
        "admin_put_group",
        path={"group": "billing"},
        body={"assignment_mode": "manual", "description": "Invoices"},
        headers=_etag(1),
        claims=ADMIN,
    )
    assert changed.status == 200, changed.body
    assert changed.body["assignment_mode"] == "manual" and changed.body["address"] == ""
    assert changed.headers["etag"] == '"2"'

    deleted = api("admin_delete_group", path={"group": "technical"}, query={}, headers=_etag(1), claims=ADMIN)
    assert deleted.status == 204
    assert api("admin_get_group", path={"group": "technical"}, claims=ADMIN).status == 404
    assert directory.group("technical") is None


def test_group_changes_need_a_current_version(api: Api) -> None:
    _group(api, "billing")
    missing = api("admin_put_group", path={"group": "billing"}, body={}, headers={"if-match": None}, claims=ADMIN)
    assert missing.status == 428 and missing.body["error"]["code"] == "precondition_required"
    stale = api("admin_put_group", path={"group": "billing"}, body={}, headers=_etag(7), claims=ADMIN)
    assert stale.status == 412 and "current is 1" in stale.body["error"]["message"]
    gone = api("admin_delete_group", path={"group": "billing"}, query={}, headers={"if-match": None}, claims=ADMIN)
    assert gone.status == 428
    stale_delete = api("admin_delete_group", path={"group": "billing"}, query={}, headers=_etag(2), claims=ADMIN)
    assert stale_delete.status == 412
    assert directory.group("billing") is not None


def test_unknown_groups_are_404(api: Api) -> None:
    assert api("admin_get_group", path={"group": "nope"}, claims=ADMIN).status == 404
    put = api("admin_put_group", path={"group": "nope"}, body={}, headers=_etag(1), claims=ADMIN)
    assert put.status == 404 and put.body["error"]["message"] == "group nope does not exist"
    assert api("admin_delete_group", path={"group": "nope"}, query={}, headers=_etag(1), claims=ADMIN).status == 404


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"name": "Billing Team"}, "name: String should match pattern '^[a-z0-9][a-z0-9-]{0,39}$'"),
        ({"name": "billing", "assignment_mode": "random"}, "assignment_mode"),
        ({"name": "billing", "address": "not-an-address"}, "address"),
        ({"name": "billing", "colour": "red"}, "colour"),
    ],
)
def test_bad_groups_are_422_with_the_reason(api: Api, body: dict[str, Any], reason: str) -> None:
    reply = api("admin_create_group", body=body, claims=ADMIN)
    assert reply.status == 422
    assert reason in reply.body["error"]["message"]
    assert directory.groups() == []


def test_a_group_twice_and_an_address_taken_are_409(api: Api) -> None:
    _group(api, "billing", address="billing@example.com")
    again = api("admin_create_group", body={"name": "billing"}, claims=ADMIN)
    assert again.status == 409 and again.body["error"]["code"] == "already_exists"
    assert "group billing already exists" in again.body["error"]["message"]
    taken = api("admin_create_group", body={"name": "sales", "address": "billing@example.com"}, claims=ADMIN)
    assert taken.status == 409 and "already belongs to group billing" in taken.body["error"]["message"]


@pytest.mark.parametrize("field", ["address", "id"])
def test_null_is_refused_where_a_field_may_only_be_left_out(api: Api, field: str) -> None:
    kind = "admin_create_group" if field == "address" else "admin_create_agent"
    body = {"name": "billing"} if field == "address" else {"email": "x@example.com"}
    reply = api(kind, body={**body, field: None}, claims=ADMIN)
    assert reply.status == 422 and "cannot be null" in reply.body["error"]["message"]


def test_only_admins_manage_groups(api: Api) -> None:
    _group(api, "billing")
    for claims in (AGENT, LEAD):
        assert api("admin_list_groups", claims=claims).status == 403
        assert api("admin_create_group", body={"name": "sales"}, claims=claims).status == 403
        assert api("admin_put_group", path={"group": "billing"}, body={}, headers=_etag(1), claims=claims).status == 403
        deleted = api("admin_delete_group", path={"group": "billing"}, query={}, headers=_etag(1), claims=claims)
        assert deleted.status == 403
    assert directory.group("billing") is not None and directory.group("sales") is None


# --- references: 409 naming them, or move_to -------------------------------------------------------


def test_deleting_a_group_with_tickets_and_members_is_409_naming_them(api: Api) -> None:
    _group(api, "billing")
    _agent(api, "sub-rina", "rina@example.com", groups=["billing"])
    first = api.create(group="billing")
    second = api.create(group="billing")
    reply = api("admin_delete_group", path={"group": "billing"}, query={}, headers=_etag(1), claims=ADMIN)
    assert reply.status == 409 and reply.body["error"]["code"] == "still_referenced"
    message = reply.body["error"]["message"]
    for name in (first["number"], second["number"], "agent rina@example.com"):
        assert name in message
    assert directory.group("billing") is not None


def test_deleting_a_group_with_move_to_moves_tickets_and_members_with_an_audit_entry(api: Api) -> None:
    _group(api, "billing")
    _group(api, "support")
    _agent(api, "sub-rina", "rina@example.com", groups=["billing", "support"])
    ticket = api.create(group="billing")
    closed_before = len(ticket_repo.tickets_of_group("billing"))
    assert closed_before == 1

    reply = api(
        "admin_delete_group", path={"group": "billing"}, query={"move_to": "support"}, headers=_etag(1), claims=ADMIN
    )
    assert reply.status == 204, reply.body
    assert directory.group("billing") is None
    moved = api("get_ticket", ticket=ticket["id"], claims=ADMIN)
    assert moved.body["group"] == "support"
    audit = api("list_audit", ticket=ticket["id"], claims=ADMIN).body["items"]
    change = next(a for a in audit if a["field"] == "group")
    assert (change["old"], change["new"], change["actor"]["id"]) == ("billing", "support", "admin-1")
    rina = directory.agent("sub-rina")
    assert rina is not None and rina.groups == ("support",)


def test_move_to_must_name_another_existing_group(api: Api) -> None:
    _group(api, "billing")
    api.create(group="billing")
    for target in ("nowhere", "billing"):
        reply = api(
            "admin_delete_group", path={"group": "billing"}, query={"move_to": target}, headers=_etag(1), claims=ADMIN
        )
        assert reply.status == 409 and reply.body["error"]["code"] == "reference_not_found"
        assert f"move_to: '{target}' is not another group" in reply.body["error"]["message"]
    empty = api("admin_delete_group", path={"group": "billing"}, query={"move_to": ""}, headers=_etag(1), claims=ADMIN)
    assert empty.status == 422
    assert directory.group("billing") is not None


def test_deleting_an_agent_with_tickets_is_409_or_moves_them_to_another_agent(api: Api) -> None:
    _agent(api, "sub-rina", "rina@example.com")
    _agent(api, "sub-budi", "budi@example.com")
    ticket = api.create(assignee="sub-rina")
    refused = api("admin_delete_agent", path={"agent": "sub-rina"}, query={}, headers=_etag(1), claims=ADMIN)
    assert refused.status == 409 and ticket["number"] in refused.body["error"]["message"]

    moved = api(
        "admin_delete_agent", path={"agent": "sub-rina"}, query={"move_to": "sub-budi"}, headers=_etag(1), claims=ADMIN
    )
    assert moved.status == 204, moved.body
    assert directory.agent("sub-rina") is None
    assert api("get_ticket", ticket=ticket["id"], claims=ADMIN).body["assignee"] == "sub-budi"
    audit = api("list_audit", ticket=ticket["id"], claims=ADMIN).body["items"]
    assert any(a["field"] == "assignee" and a["old"] == "sub-rina" and a["new"] == "sub-budi" for a in audit)


def test_registered_references_of_a_feature_block_and_move_too(api: Api) -> None:
    rules: dict[str, str] = {"route-invoices": "billing"}

    def find(group: str) -> list[str]:
        return [f"rule {name}" for name, target in rules.items() if target == group]

    def move(group: str, to: str, _actor: Any) -> None:
        for name, target in list(rules.items()):
            if target == group:
                rules[name] = to

    directory.register_references("group", find, move, label="test.rules")
    try:
        _group(api, "billing")
        _group(api, "support")
        refused = api("admin_delete_group", path={"group": "billing"}, query={}, headers=_etag(1), claims=ADMIN)
        assert refused.status == 409 and "rule route-invoices" in refused.body["error"]["message"]
        moved = api(
            "admin_delete_group",
            path={"group": "billing"},
            query={"move_to": "support"},
            headers=_etag(1),
            claims=ADMIN,
        )
        assert moved.status == 204 and rules == {"route-invoices": "support"}
    finally:
        directory._REGISTRY["group"].pop("test.rules")


# --- agents ---------------------------------------------------------------------------------------


def test_creating_an_agent_creates_their_cognito_user_in_the_group_of_their_role(api: Api, pool: str) -> None:
    _group(api, "billing")
    reply = api(
        "admin_create_agent",
        body={"email": "Rina@Example.com", "name": "Rina", "role": "lead", "groups": ["billing"], "capacity": 5},
        claims=ADMIN,
    )
    assert reply.status == 201, reply.body
    cognito = boto3.client("cognito-idp")
    user = cognito.admin_get_user(UserPoolId=pool, Username="rina@example.com")
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert reply.body["id"] == attributes["sub"]  # the token's subject is the directory's id
    assert attributes["email"] == "rina@example.com"
    groups = cognito.admin_list_groups_for_user(UserPoolId=pool, Username=user["Username"])["Groups"]
    assert [g["GroupName"] for g in groups] == ["lead"]
    assert reply.body | {"id": "x"} == {
        "id": "x",
        "email": "rina@example.com",
        "name": "Rina",
        "role": "lead",
        "groups": ["billing"],
        "availability": "offline",
        "capacity": 5,
        "version": 1,
    }

    # a new role moves the user to that group only
    changed = api(
        "admin_put_agent",
        path={"agent": reply.body["id"]},
        body={"email": "rina@example.com", "name": "Rina", "role": "admin", "groups": ["billing"]},
        headers=_etag(1),
        claims=ADMIN,
    )
    assert changed.status == 200, changed.body
    groups = cognito.admin_list_groups_for_user(UserPoolId=pool, Username=user["Username"])["Groups"]
    assert [g["GroupName"] for g in groups] == ["admin"]


def test_an_agent_the_directory_refuses_gets_no_login(api: Api, pool: str) -> None:
    reply = api("admin_create_agent", body={"email": "budi@example.com", "groups": ["nowhere"]}, claims=ADMIN)
    assert reply.status == 422 and "there is no group 'nowhere'" in reply.body["error"]["message"]
    assert boto3.client("cognito-idp").list_users(UserPoolId=pool)["Users"] == []


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"capacity": -1}, "capacity"),
        ({"role": "owner"}, "role"),
        ({"groups": ["billing"]}, "there is no group 'billing'"),
        ({"email": "no-address"}, "email"),
    ],
)
def test_bad_agents_are_422_with_the_reason(api: Api, fields: dict[str, Any], reason: str) -> None:
    reply = api("admin_create_agent", body={"id": "sub-x", "email": "x@example.com", **fields}, claims=ADMIN)
    assert reply.status == 422
    assert reason in reply.body["error"]["message"]
    assert directory.agent("sub-x") is None


def test_an_address_already_in_the_directory_is_409(api: Api) -> None:
    _agent(api, "sub-rina", "rina@example.com")
    reply = api("admin_create_agent", body={"id": "sub-2", "email": "RINA@example.com"}, claims=ADMIN)
    assert reply.status == 409 and "already belongs to agent sub-rina" in reply.body["error"]["message"]


def test_agents_are_read_changed_and_deleted_with_versions(api: Api) -> None:
    _group(api, "billing")
    _agent(api, "sub-rina", "rina@example.com", groups=["billing"])
    got = api("admin_get_agent", path={"agent": "sub-rina"}, claims=ADMIN)
    assert got.status == 200 and got.headers["etag"] == '"1"'
    body = {"email": "rina@example.com", "name": "Rina W", "groups": ["billing"], "capacity": 3}
    assert (
        api("admin_put_agent", path={"agent": "sub-rina"}, body=body, headers={"if-match": None}, claims=ADMIN).status
        == 428
    )
    assert api("admin_put_agent", path={"agent": "sub-rina"}, body=body, headers=_etag(9), claims=ADMIN).status == 412
    changed = api("admin_put_agent", path={"agent": "sub-rina"}, body=body, headers=_etag(1), claims=ADMIN)
    assert changed.status == 200 and changed.body["name"] == "Rina W" and changed.body["capacity"] == 3
    assert api("admin_put_agent", path={"agent": "nobody"}, body=body, headers=_etag(1), claims=ADMIN).status == 404
    assert api("admin_get_agent", path={"agent": "nobody"}, claims=ADMIN).status == 404
    assert api("admin_delete_agent", path={"agent": "sub-rina"}, query={}, headers=_etag(1), claims=ADMIN).status == 412
    assert api("admin_delete_agent", path={"agent": "sub-rina"}, query={}, headers=_etag(2), claims=ADMIN).status == 204
    assert api("admin_list_agents", claims=ADMIN).body == {"items": []}


def test_agents_only_admins_create_change_or_delete(api: Api) -> None:
    _agent(api, "sub-rina", "rina@example.com")
    body = {"email": "rina@example.com"}
    for claims in (AGENT, LEAD):
        assert api("admin_create_agent", body={"id": "s", "email": "s@example.com"}, claims=claims).status == 403
        assert (
            api("admin_put_agent", path={"agent": "sub-rina"}, body=body, headers=_etag(1), claims=claims).status == 403
        )
        deleted = api("admin_delete_agent", path={"agent": "sub-rina"}, query={}, headers=_etag(1), claims=claims)
        assert deleted.status == 403
    assert api("admin_list_agents", claims=AGENT).status == 403
    assert (
        api(
            "admin_patch_agent", path={"agent": "sub-rina"}, body={"capacity": 1}, headers=_etag(1), claims=AGENT
        ).status
        == 403
    )


# --- a lead's rights --------------------------------------------------------------------------------


@pytest.fixture
def teams(api: Api) -> None:
    for name in ("billing", "technical"):
        directory.save_group(Group(name))
    directory.save_agent(Agent("lead-1", "lead@example.com", "Lena", role="lead", groups=("billing",)))
    directory.save_agent(Agent("sub-rina", "rina@example.com", "Rina", groups=("billing",)))
    directory.save_agent(Agent("sub-tono", "tono@example.com", "Tono", groups=("technical",)))


def test_a_lead_changes_availability_and_capacity_of_their_groups_agents(api: Api, teams: None) -> None:
    reply = api(
        "admin_patch_agent",
        path={"agent": "sub-rina"},
        body={"availability": "available", "capacity": 8},
        headers=_etag(1),
        claims=LEAD,
    )
    assert reply.status == 200, reply.body
    assert (reply.body["availability"], reply.body["capacity"], reply.body["version"]) == ("available", 8, 2)
    stale = api("admin_patch_agent", path={"agent": "sub-rina"}, body={"capacity": 2}, headers=_etag(1), claims=LEAD)
    assert stale.status == 412
    missing = api(
        "admin_patch_agent", path={"agent": "sub-rina"}, body={"capacity": 2}, headers={"if-match": None}, claims=LEAD
    )
    assert missing.status == 428


def test_a_lead_may_not_change_agents_of_other_groups_nor_other_fields(api: Api, teams: None) -> None:
    other = api("admin_patch_agent", path={"agent": "sub-tono"}, body={"capacity": 1}, headers=_etag(1), claims=LEAD)
    assert other.status == 403 and "none of your groups" in other.body["error"]["message"]
    more = api("admin_patch_agent", path={"agent": "sub-rina"}, body={"role": "admin"}, headers=_etag(1), claims=LEAD)
    assert more.status == 422
    negative = api(
        "admin_patch_agent", path={"agent": "sub-rina"}, body={"capacity": -1}, headers=_etag(1), claims=LEAD
    )
    assert negative.status == 422
    tono = directory.agent("sub-tono")
    rina = directory.agent("sub-rina")
    assert tono is not None and tono.version == 1 and rina is not None and rina.version == 1


def test_a_lead_sees_only_their_groups_agents(api: Api, teams: None) -> None:
    listed = api("admin_list_agents", claims=LEAD)
    assert [a["id"] for a in listed.body["items"]] == ["lead-1", "sub-rina"]
    assert api("admin_get_agent", path={"agent": "sub-tono"}, claims=LEAD).status == 404
    assert api("admin_get_agent", path={"agent": "sub-rina"}, claims=LEAD).status == 200
    everyone = api("admin_list_agents", claims=ADMIN)
    assert len(everyone.body["items"]) == 3


def test_an_admin_patches_any_agent(api: Api, teams: None) -> None:
    reply = api(
        "admin_patch_agent", path={"agent": "sub-tono"}, body={"availability": "away"}, headers=_etag(1), claims=ADMIN
    )
    assert reply.status == 200 and reply.body["availability"] == "away"


# --- me -----------------------------------------------------------------------------------------------


def test_every_agent_sets_their_own_availability(api: Api) -> None:
    directory.save_agent(Agent("agent-1", "agent@example.com"))
    reply = api("put_my_availability", body={"availability": "available"}, claims=AGENT)
    assert reply.status == 200, reply.body
    assert reply.body["id"] == "agent-1" and reply.body["availability"] == "available"
    agent = directory.agent("agent-1")
    assert agent is not None and agent.availability.value == "available"
    stale = api("put_my_availability", body={"availability": "away"}, headers=_etag(1), claims=AGENT)
    assert stale.status == 412
    current = api("put_my_availability", body={"availability": "away"}, headers=_etag(2), claims=AGENT)
    assert current.status == 200 and current.body["availability"] == "away"
    bad = api("put_my_availability", body={"availability": "busy"}, claims=AGENT)
    assert bad.status == 422


def test_my_availability_outside_the_directory_is_404(api: Api) -> None:
    reply = api("put_my_availability", body={"availability": "away"}, claims=AGENT)
    assert reply.status == 404 and "agent agent-1 does not exist" in reply.body["error"]["message"]


def test_an_agent_cannot_take_another_agents_address(api: Api) -> None:
    _agent(api, "sub-rina", "rina@example.com")
    _agent(api, "sub-budi", "budi@example.com")
    body = {"email": "rina@example.com"}
    reply = api("admin_put_agent", path={"agent": "sub-budi"}, body=body, headers=_etag(1), claims=ADMIN)
    assert reply.status == 409 and "already belongs to agent sub-rina" in reply.body["error"]["message"]
    same = api("admin_put_agent", path={"agent": "sub-rina"}, body=body, headers=_etag(1), claims=ADMIN)
    assert same.status == 200


@pytest.mark.parametrize(("capacity", "status"), [(False, 422), ("7", 422), (7.5, 422), (7.0, 201), (7, 201)])
def test_capacity_is_a_whole_number(api: Api, capacity: Any, status: int) -> None:
    reply = api(
        "admin_create_agent", body={"id": "sub-x", "email": "x@example.com", "capacity": capacity}, claims=ADMIN
    )
    assert reply.status == status, reply.body
    if status == 201:
        assert reply.body["capacity"] == 7
    else:
        assert "capacity" in reply.body["error"]["message"]


def test_if_match_must_be_a_version(api: Api) -> None:
    directory.save_agent(Agent("agent-1", "agent@example.com"))
    bad = api("put_my_availability", body={"availability": "away"}, headers={"if-match": "null"}, claims=AGENT)
    assert bad.status == 422 and "if-match" in bad.body["error"]["message"]
    malformed = api("admin_create_group", raw_body="\x00", claims=ADMIN)
    assert malformed.status == 400


# --- who acted, and logins of deleted agents ------------------------------------------------------


def _agent_events() -> list[dict[str, Any]]:
    items = OutboxItem.query("DIRECTORY", OutboxItem.sk.startswith("EVENT#"), consistent_read=True)
    payloads = [i.payload if isinstance(i.payload, dict) else json.loads(i.payload) for i in items]
    return [p for p in payloads if p["type"] == "agent.changed"]


def test_agent_changed_events_name_the_admin_the_lead_and_the_agent_who_acted(api: Api) -> None:
    directory.save_group(Group("billing"))
    directory.save_agent(Agent("lead-1", "lead@example.com", "Lena", role="lead", groups=("billing",)))
    directory.save_agent(Agent("agent-1", "agent@example.com", "Ani", groups=("billing",)))
    created = api(
        "admin_create_agent", body={"id": "sub-rina", "email": "rina@example.com", "groups": ["billing"]}, claims=ADMIN
    )
    assert created.status == 201, created.body
    patched = api("admin_patch_agent", path={"agent": "sub-rina"}, body={"capacity": 3}, headers=_etag(1), claims=LEAD)
    assert patched.status == 200, patched.body
    put = api(
        "admin_put_agent",
        path={"agent": "sub-rina"},
        body={"email": "rina@example.com", "groups": ["billing"], "availability": "away", "capacity": 3},
        headers=_etag(2),
        claims=ADMIN,
    )
    assert put.status == 200, put.body
    mine = api("put_my_availability", body={"availability": "available"}, claims=AGENT)
    assert mine.status == 200, mine.body

    by_change = [(e["agent_id"], e["actor"]["id"], e["actor"]["kind"]) for e in _agent_events()]

    assert ("sub-rina", "admin-1", "agent") in by_change  # created
    assert ("sub-rina", "lead-1", "agent") in by_change  # capacity, by the lead
    assert by_change.count(("sub-rina", "admin-1", "agent")) == 2  # and the availability, by the admin
    assert ("agent-1", "agent-1", "agent") in by_change  # their own toggle
    assert all(actor != "system" and actor != "directory" for _a, actor, _k in by_change[-4:])


def test_moving_an_agents_tickets_names_the_admin_in_the_audit(api: Api) -> None:
    directory.save_agent(Agent("sub-rina", "rina@example.com"))
    directory.save_agent(Agent("sub-budi", "budi@example.com"))
    ticket = api.create(assignee="sub-rina")

    moved = api(
        "admin_delete_agent", path={"agent": "sub-rina"}, query={"move_to": "sub-budi"}, headers=_etag(1), claims=ADMIN
    )

    assert moved.status == 204, moved.body
    audit = api("list_audit", ticket=ticket["id"], claims=ADMIN).body["items"]
    [entry] = [a for a in audit if a["field"] == "assignee" and a["new"] == "sub-budi"]
    assert entry["actor"]["id"] == "admin-1"


def test_deleting_an_agent_disables_their_login_and_a_refused_deletion_does_not(api: Api, pool: str) -> None:
    created = api("admin_create_agent", body={"email": "rina@example.com", "name": "Rina"}, claims=ADMIN)
    assert created.status == 201, created.body
    rina = created.body["id"]
    ticket = api.create(assignee=rina)
    cognito = boto3.client("cognito-idp")

    refused = api("admin_delete_agent", path={"agent": rina}, query={}, headers=_etag(1), claims=ADMIN)
    assert refused.status == 409
    assert cognito.admin_get_user(UserPoolId=pool, Username="rina@example.com")["Enabled"] is True

    api("patch_ticket", ticket=ticket["id"], body={"assignee": None}, headers=_etag(ticket["version"]), claims=ADMIN)
    deleted = api("admin_delete_agent", path={"agent": rina}, query={}, headers=_etag(1), claims=ADMIN)

    assert deleted.status == 204, deleted.body
    assert cognito.admin_get_user(UserPoolId=pool, Username="rina@example.com")["Enabled"] is False


def test_deleting_an_agent_whose_login_lives_elsewhere_deletes_them_only(api: Api, pool: str) -> None:
    directory.save_agent(Agent("sub-elsewhere", "else@example.com"))

    deleted = api("admin_delete_agent", path={"agent": "sub-elsewhere"}, query={}, headers=_etag(1), claims=ADMIN)

    assert deleted.status == 204, deleted.body
    assert directory.agent("sub-elsewhere") is None
    assert boto3.client("cognito-idp").list_users(UserPoolId=pool)["Users"] == []


def test_without_a_pool_deleting_an_agent_still_works(api: Api) -> None:
    directory.save_agent(Agent("sub-rina", "rina@example.com"))

    deleted = api("admin_delete_agent", path={"agent": "sub-rina"}, query={}, headers=_etag(1), claims=ADMIN)

    assert deleted.status == 204, deleted.body
