"""SLA policies and calendars through the agent API handler (moto): defaults, If-Match, order, 422 with the
engine's reasons, 409 for a calendar a policy names."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.agent_api.conftest import AGENT, Api

OFFICE = {
    "name": "jakarta-office",
    "time_zone": "Asia/Jakarta",
    "week": {d: ["09:00-12:00", "13:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": {"country": "ID", "categories": ["public", "government"]},
    "closed_dates": [{"date": "2026-12-31", "name": "Year-end stocktake"}],
}


def _policy(name: str = "VIP", calendar: str = "default", minutes: int = 60, **more: Any) -> dict[str, Any]:
    return {
        "name": name,
        "conditions": {"requester_domains": ["vip.example"]},
        "targets": {"high": {"first_response": {"minutes": minutes, "basis": "business"}}},
        "calendar": calendar,
        **more,
    }


def test_without_stored_policies_the_default_policy_and_24_7_calendar_apply(api: Api) -> None:
    listed = api("list_sla_policies")
    assert (listed.status, listed.body["default"]) == (200, True)
    (default,) = listed.body["items"]
    assert default["targets"]["high"]["first_response"] == {"minutes": 60, "basis": "business"}
    calendars = api("list_calendars").body["items"]
    assert [(c["name"], c["version"], c["holidays"]) for c in calendars] == [("default", 0, None)]
    assert calendars[0]["week"]["sun"] == [{"start": "00:00", "end": "24:00"}]


def test_policies_create_replace_with_if_match_reorder_and_delete(api: Api) -> None:
    first = api("create_sla_policy", body=_policy("VIP"))
    assert (first.status, first.headers["etag"], first.body["position"]) == (201, '"1"', 0)
    second = api("create_sla_policy", body=_policy("Standard", minutes=240))
    listed = api("list_sla_policies").body
    assert (listed["default"], [p["name"] for p in listed["items"]]) == (False, ["VIP", "Standard"])

    ref = {"policy": first.body["id"]}
    replaced = api("replace_sla_policy", path=ref, body=_policy("VIP", minutes=30), headers={"if-match": '"1"'})
    assert (replaced.status, replaced.headers["etag"]) == (200, '"2"')
    assert replaced.body["targets"]["high"]["first_response"]["minutes"] == 30
    stale = api("replace_sla_policy", path=ref, body=_policy("VIP"), headers={"if-match": '"1"'})
    assert (stale.status, stale.body["error"]["code"]) == (412, "stale_version")
    assert api("replace_sla_policy", path=ref, body=_policy("VIP"), headers={"if-match": None}).status == 428

    order = [second.body["id"], first.body["id"]]
    reordered = api("reorder_sla_policies", body={"order": order})
    assert [p["name"] for p in reordered.body["items"]] == ["Standard", "VIP"]
    half = api("reorder_sla_policies", body={"order": order[:1]})
    assert (half.status, "missing" in half.body["error"]["message"]) == (422, True)

    moved = next(p for p in reordered.body["items"] if p["id"] == first.body["id"])
    assert moved["version"] == 3  # a reorder is a change of each policy
    assert api("delete_sla_policy", path=ref, headers={"if-match": '"3"'}).status == 204
    assert api("get_sla_policy", path=ref).status == 404
    assert api("get_sla_policy", path={"policy": second.body["id"]}).body["name"] == "Standard"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"name": "VIP"}, "two policies are called VIP"),
        ({"calendar": "nowhere"}, "there is no calendar 'nowhere'"),
        ({"targets": {"high": {}}}, "give at least one target"),
    ],
)
def test_a_policy_the_engine_refuses_is_422_with_its_reason(api: Api, change: dict[str, Any], reason: str) -> None:
    api("create_sla_policy", body=_policy("VIP"))
    refused = api("create_sla_policy", body={**_policy("Other"), **change})
    assert refused.status == 422
    assert reason in refused.body["error"]["message"]


def test_a_target_of_zero_is_refused(api: Api) -> None:
    assert api("create_sla_policy", body=_policy(minutes=0)).status == 422


def test_calendars_create_read_replace_and_delete_unless_a_policy_names_them(api: Api) -> None:
    created = api("create_calendar", body=OFFICE)
    assert (created.status, created.headers["etag"]) == (201, '"1"'), created.body
    assert api("create_calendar", body=OFFICE).status == 409
    ref = {"calendar": "jakarta-office"}
    got = api("get_calendar", path=ref)
    assert got.body["closed_dates"] == [{"date": "2026-12-31", "name": "Year-end stocktake"}]
    longer = {**OFFICE, "week": {"mon": ["08:00-18:00"]}}
    assert api("replace_calendar", path=ref, body=longer, headers={"if-match": '"1"'}).headers["etag"] == '"2"'
    assert api("replace_calendar", path=ref, body=longer, headers={"if-match": '"1"'}).status == 412

    policy = api("create_sla_policy", body=_policy("Office hours", calendar="jakarta-office")).body
    held = api("delete_calendar", path=ref, headers={"if-match": '"2"'})
    assert (held.status, held.body["error"]["code"]) == (409, "still_referenced")
    assert "Office hours" in held.body["error"]["message"]
    api("delete_sla_policy", path={"policy": policy["id"]}, headers={"if-match": '"1"'})
    assert api("delete_calendar", path=ref, headers={"if-match": '"2"'}).status == 204
    assert api("get_calendar", path=ref).status == 404


def test_the_built_in_default_calendar_is_replaced_by_storing_one_under_its_name(api: Api) -> None:
    office = {**OFFICE, "name": "default"}
    replaced = api("replace_calendar", path={"calendar": "default"}, body=office, headers={"if-match": '"0"'})
    assert (replaced.status, replaced.body["time_zone"], replaced.headers["etag"]) == (200, "Asia/Jakarta", '"1"')
    assert api("delete_calendar", path={"calendar": "default"}, headers={"if-match": '"1"'}).status == 204
    assert api("get_calendar", path={"calendar": "default"}).body["version"] == 0


def test_deleting_the_built_in_default_calendar_finds_nothing_stored_to_delete(api: Api) -> None:
    refused = api("delete_calendar", path={"calendar": "default"}, headers={"if-match": '"0"'})
    assert (refused.status, refused.body["error"]["message"]) == (404, "stored calendar default does not exist")
    assert api("get_calendar", path={"calendar": "default"}).body["version"] == 0  # the built-in one still applies


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"time_zone": "Mars/Olympus"}, "unknown time zone"),
        ({"week": {}}, "the week has no open hours"),
        ({"week": {"mon": ["09:00-12:00", "11:00-13:00"]}}, "overlap"),
        ({"holidays": {"country": "XX"}}, "holidays"),
        ({"name": "other"}, "differs from the one in the path"),
    ],
)
def test_a_calendar_the_engine_refuses_is_422_with_its_reason(api: Api, change: dict[str, Any], reason: str) -> None:
    api("create_calendar", body=OFFICE)
    refused = api("replace_calendar", path={"calendar": "jakarta-office"}, body={**OFFICE, **change},
                  headers={"if-match": '"1"'})  # fmt: skip
    assert refused.status == 422, refused.body
    assert reason in refused.body["error"]["message"]


def test_only_admins(api: Api) -> None:
    assert api("list_sla_policies", claims=AGENT).status == 403
    assert api("create_calendar", body=OFFICE, claims=AGENT).status == 403
