"""The agent API end to end on moto: every route, with the events in events/agent_api."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.agent_api.conftest import ADMIN, AGENT, Api
from tests.support.botocore_hooks import before_first


def test_health_needs_no_token_and_answers_ok(api: Api) -> None:
    reply = api("health")
    assert reply.status == 200
    assert reply.body == {"status": "ok", "service": "loket"}


def test_create_ticket_gives_number_etag_and_first_message(api: Api) -> None:
    # when
    reply = api("create_ticket")
    # then
    assert reply.status == 201
    ticket = reply.body
    assert ticket["number"] == "LKT-1"
    assert ticket["status"] == "new"
    assert ticket["channel"] == "api"
    assert ticket["requester"] == {"email": "budi@example.co.id", "name": "Budi Santoso"}
    assert ticket["tags"] == ["login"]
    assert reply.headers["etag"] == '"1"'
    conversation = api("list_conversation", ticket=ticket["id"]).body["items"]
    assert [e["kind"] for e in conversation] == ["customer_message"]
    assert conversation[0]["body_text"].startswith("Since this morning")


def test_create_ticket_retried_with_same_key_makes_one_ticket_and_burns_no_number(api: Api) -> None:
    first = api("create_ticket")
    again = api("create_ticket")
    other = api("create_ticket", headers={"idempotency-key": "create-0002"})
    assert (first.status, again.status, other.status) == (201, 200, 201)
    assert again.body["id"] == first.body["id"]
    assert other.body["number"] == "LKT-2"  # the retry did not take number 2


def test_get_ticket_by_number_and_by_id_agree(api: Api) -> None:
    created = api.create()
    by_number = api("get_ticket", ticket=created["number"])
    by_id = api("get_ticket", ticket=created["id"])
    assert by_number.status == by_id.status == 200
    assert by_number.body == by_id.body == created


def test_get_unknown_ticket_is_404_with_error_shape(api: Api) -> None:
    reply = api("get_ticket", ticket="LKT-999")
    assert reply.status == 404
    assert reply.body["error"]["code"] == "ticket_not_found"
    assert "LKT-999" in reply.body["error"]["message"]


def test_patch_with_current_version_changes_fields_and_audits_each(api: Api) -> None:
    created = api.create()
    reply = api("patch_ticket", ticket=created["id"])
    assert reply.status == 200, reply.body
    ticket = reply.body
    assert (ticket["status"], ticket["priority"], ticket["assignee"]) == ("pending", "urgent", "agent-1")
    assert ticket["tags"] == ["login", "vip"]
    assert ticket["version"] == 2
    assert reply.headers["etag"] == '"2"'
    audit = api("list_audit", ticket=created["id"]).body["items"]
    changes = {(a["field"], json.dumps(a["old"]), json.dumps(a["new"])) for a in audit}
    assert ("priority", '"high"', '"urgent"') in changes
    assert ("assignee", "null", '"agent-1"') in changes
    assert ("status", '"open"', '"pending"') in changes  # assignment opened it, then the agent set pending
    assert all(a["actor"]["id"] == "agent-1" for a in audit if a["field"] != "created")


def test_two_patches_with_same_version_one_wins_other_gets_412_nothing_lost(api: Api) -> None:
    created = api.create()
    first = api("patch_ticket", ticket=created["id"], body={"priority": "low"}, headers={"if-match": '"1"'})
    second = api("patch_ticket", ticket=created["id"], body={"priority": "urgent"}, headers={"if-match": '"1"'})
    assert (first.status, second.status) == (200, 412)
    assert second.body["error"]["code"] == "version_conflict"
    audit = [a for a in api("list_audit", ticket=created["id"]).body["items"] if a["field"] == "priority"]
    assert [(a["old"], a["new"]) for a in audit] == [("high", "low")]
    assert api("get_ticket", ticket=created["id"]).body["priority"] == "low"


def test_two_racing_patches_with_same_version_exactly_one_succeeds(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # given both requests read version 1; the rival's write lands between our read and our write
    created = api.create()

    def rival() -> int:
        return api(
            "patch_ticket", ticket=created["id"], body={"priority": "urgent"}, headers={"if-match": '"1"'}
        ).status

    with before_first(monkeypatch, "TransactWriteItems", rival) as rivals:
        mine = api("patch_ticket", ticket=created["id"], body={"priority": "low"}, headers={"if-match": '"1"'})
    # then the rival won, we got 412, and the audit trail shows one priority change
    assert (rivals[0], mine.status) == (200, 412)
    audit = [a for a in api("list_audit", ticket=created["id"]).body["items"] if a["field"] == "priority"]
    assert [(a["old"], a["new"]) for a in audit] == [("high", "urgent")]
    assert api("get_ticket", ticket=created["id"]).body["priority"] == "urgent"


def test_patch_without_if_match_is_428_and_with_garbage_is_400(api: Api) -> None:
    created = api.create()
    missing = api("patch_ticket", ticket=created["id"], headers={"if-match": None})
    assert missing.status == 428
    assert missing.body["error"]["code"] == "precondition_required"
    garbage = api("patch_ticket", ticket=created["id"], headers={"if-match": "abc"})
    assert garbage.status == 400
    weak = api("patch_ticket", ticket=created["id"], headers={"if-match": 'W/"1"'})
    assert weak.status == 200


def test_reply_opens_new_ticket_and_records_first_response(api: Api) -> None:
    created = api.create()
    reply = api("add_reply", ticket=created["number"])
    assert reply.status == 201
    assert reply.body["entry"]["kind"] == "public_reply"
    assert reply.body["ticket"]["status"] == "open"
    assert reply.body["ticket"]["first_response_at"] is not None


def test_reply_can_set_status_in_same_step(api: Api) -> None:
    created = api.create()
    reply = api("add_reply", ticket=created["id"], body={"body": "Fixed, please confirm.", "status": "resolved"})
    assert reply.status == 201
    assert reply.body["ticket"]["status"] == "resolved"
    assert reply.body["ticket"]["resolved_at"] is not None


def test_note_is_internal_and_keeps_status(api: Api) -> None:
    created = api.create()
    reply = api("add_note", ticket=created["id"])
    assert reply.status == 201
    assert reply.body["entry"]["kind"] == "internal_note"
    assert reply.body["ticket"]["status"] == "new"


def test_closed_ticket_rejects_patch_reply_and_note_with_409(api: Api) -> None:
    created = api.create()
    resolved = api("patch_ticket", ticket=created["id"], body={"status": "resolved"}, headers={"if-match": '"1"'})
    closed = api("patch_ticket", ticket=created["id"], body={"status": "closed"}, headers={"if-match": '"2"'})
    assert (resolved.status, closed.status) == (200, 200)
    for name in ("add_reply", "add_note"):
        reply = api(name, ticket=created["id"])
        assert reply.status == 409, reply.body
        assert reply.body["error"]["code"] == "invalid_transition"
    reopen = api("patch_ticket", ticket=created["id"], body={"status": "open"}, headers={"if-match": '"3"'})
    assert reopen.status == 409
    assert "final" in reopen.body["error"]["message"]


def test_invalid_transition_new_to_closed_is_409_with_reason(api: Api) -> None:
    created = api.create()
    reply = api("patch_ticket", ticket=created["id"], body={"status": "closed"}, headers={"if-match": '"1"'})
    assert reply.status == 409
    assert "only a resolved ticket can be closed" in reply.body["error"]["message"]


def test_merge_into_a_ticket_that_does_not_exist_is_409_and_a_missing_source_404(api: Api) -> None:
    source = api.create()

    into_nothing = api("merge_ticket", ticket=source["id"], body={"into": "LKT-999999"}, claims=ADMIN)
    from_nothing = api("merge_ticket", ticket="LKT-999999", body={"into": source["id"]}, claims=ADMIN)

    assert (into_nothing.status, into_nothing.body["error"]["code"]) == (409, "reference_not_found")
    assert "LKT-999999" in into_nothing.body["error"]["message"]
    assert (from_nothing.status, from_nothing.body["error"]["code"]) == (404, "ticket_not_found")
    assert api("get_ticket", ticket=source["id"]).body["status"] == source["status"]


def test_merge_closes_source_links_it_and_needs_admin(api: Api) -> None:
    target = api.create()
    source = api.create(requester={"email": "siti@example.com", "name": "Siti"})
    as_agent = api("merge_ticket", ticket=source["id"], body={"into": target["number"]}, claims=AGENT)
    assert as_agent.status == 403
    merged = api("merge_ticket", ticket=source["id"], body={"into": target["number"]}, claims=ADMIN)
    assert merged.status == 200, merged.body
    assert "siti@example.com" in merged.body["cc"]
    source_now = api("get_ticket", ticket=source["id"]).body
    assert source_now["status"] == "closed"
    assert source_now["merged_into"] == target["id"]
    notes = [e["body_text"] for e in api("list_conversation", ticket=target["id"]).body["items"]]
    assert any(source["number"] in n for n in notes)
    assert api("merge_ticket", ticket=target["id"], body={"into": target["id"]}, claims=ADMIN).status == 400


def test_openapi_and_docs_are_served_without_token(api: Api) -> None:
    spec = api("openapi")
    assert spec.status == 200
    assert "/v1/tickets/{ticket}" in spec.body["paths"]
    docs = api("docs")
    assert docs.status == 200
    assert docs.headers["content-type"] == "text/html"
    assert "SwaggerUIBundle(" in docs.body
    assert '"title": "Loket agent API"' in docs.body  # this API's document, inline
    assert "/v1/tickets/{ticket}/conversation" in docs.body
    assert "<script src=" not in docs.body and "<link rel" not in docs.body  # assets inline, no CDN


def test_patch_cc_replaces_the_list_normalized_without_the_requester_and_audits_it(api: Api) -> None:
    created = api.create(cc=["dewi@example.com"])
    requester = created["requester"]["email"]

    reply = api("patch_ticket", ticket=created["number"], headers={"if-match": '"1"'},
                body={"cc": ["Ani@Example.com", "ani@example.com", requester.upper(), "budi@example.org"]})  # fmt: skip

    assert reply.status == 200, reply.body
    assert reply.body["cc"] == ["ani@example.com", "budi@example.org"]
    audit = [a for a in api("list_audit", ticket=created["number"]).body["items"] if a["field"] == "cc"]
    assert [(a["old"], a["new"]) for a in audit] == [(["dewi@example.com"], ["ani@example.com", "budi@example.org"])]


def test_patch_cc_with_the_same_list_changes_nothing(api: Api) -> None:
    created = api.create(cc=["dewi@example.com"])

    reply = api(
        "patch_ticket", ticket=created["number"], headers={"if-match": '"1"'}, body={"cc": ["DEWI@example.com"]}
    )

    assert reply.status == 200
    assert reply.body["version"] == 1


@pytest.mark.parametrize(
    ("cc", "status"),
    [(["not an address"], 422), ([f"p{n}@example.com" for n in range(21)], 422), (None, 422)],
    ids=["not an address", "more than 20", "null"],
)
def test_patch_cc_bad_values_are_refused(api: Api, cc: Any, status: int) -> None:
    created = api.create()

    reply = api("patch_ticket", ticket=created["number"], headers={"if-match": '"1"'}, body={"cc": cc})

    assert reply.status == status, reply.body
    assert api("get_ticket", ticket=created["number"]).body["cc"] == []
