"""What the agent API answers to bad input: the right 4xx with a clear message, never a 500."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from loket.channels.agent_api.schemas import Requester
from tests.conftest import load_event
from tests.integration.agent_api.conftest import Api


def _create_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(load_event("agent_api/create_ticket.json")["body"])
    body.update(changes)
    return body


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"number": 7}, "body.number"),  # unknown field: nobody sets the number
        ({"channel": "email"}, "body.channel"),
        ({"priority": "critical"}, "body.priority"),  # bad enum value
        ({"priority": 3}, "body.priority"),  # wrong type
        ({"subject": ""}, "body.subject"),
        ({"subject": "x" * 251}, "body.subject"),  # oversized subject
        ({"body": "x" * 65_537}, "body.body"),  # oversized body
        ({"requester": {"email": "not-an-address"}}, "body.requester.email"),
        ({"tags": ["ok"] * 21}, "body.tags"),
        ({"custom_fields": {"bad name!": 1}}, "body.custom_fields"),
    ],
)
def test_create_with_bad_field_is_422_naming_the_field(api: Api, changes: dict[str, Any], field: str) -> None:
    reply = api("create_ticket", body=_create_body(**changes))
    assert reply.status == 422, reply.body
    error = reply.body["error"]
    assert error["code"] == "validation_error"
    assert any(d["field"].startswith(field) for d in error["details"]), error
    assert error["message"]


def test_create_with_missing_requester_is_422(api: Api) -> None:
    body = _create_body()
    del body["requester"]
    reply = api("create_ticket", body=body)
    assert reply.status == 422
    assert reply.body["error"]["details"][0]["field"] == "body.requester"


@pytest.mark.parametrize("raw", ["{not json", "[1, 2", '{"subject": "a",}', "\x00\x01"])
def test_malformed_json_is_400_malformed_json(api: Api, raw: str) -> None:
    reply = api("create_ticket", raw_body=raw)
    assert reply.status == 400, reply.body
    assert reply.body["error"] == {"code": "malformed_json", "message": "the request body is not valid JSON"}


def test_json_that_is_not_an_object_is_422(api: Api) -> None:
    reply = api("create_ticket", raw_body="[1, 2, 3]")
    assert reply.status == 422


def test_tag_with_bad_characters_is_422_like_the_document_says(api: Api) -> None:
    reply = api("create_ticket", body=_create_body(tags=["has space"]))
    assert reply.status == 422
    assert reply.body["error"]["details"][0]["field"] == "body.tags.0"


def test_patch_unknown_or_owned_fields_are_422(api: Api) -> None:
    created = api.create()
    for body in ({"number": 5}, {"version": 9}, {"requester": {"email": "a@b.c"}}, {"status": "waiting"}):
        reply = api("patch_ticket", ticket=created["id"], body=body, headers={"if-match": '"1"'})
        assert reply.status == 422, (body, reply.body)


def test_patch_empty_body_is_400(api: Api) -> None:
    created = api.create()

    reply = api("patch_ticket", ticket=created["id"], body={}, headers={"if-match": '"1"'})

    assert reply.status == 400, reply.body
    assert "nothing to change" in reply.body["error"]["message"]


@pytest.mark.parametrize("field", ["status", "priority", "group", "tags", "cc"])
def test_patch_null_for_a_field_that_cannot_be_cleared_is_422_as_documented(api: Api, field: str) -> None:
    created = api.create()

    reply = api("patch_ticket", ticket=created["id"], body={field: None}, headers={"if-match": '"1"'})

    assert (reply.status, reply.body["error"]["code"]) == (422, "validation_error"), reply.body
    assert reply.body["error"]["details"][0]["field"].startswith(f"body.{field}")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "multipart/form-data", "application/xml"], ids=["text", "multipart", "xml"]
)
def test_a_body_that_is_not_json_is_415_not_500(api: Api, content_type: str) -> None:
    created = api.create()

    reply = api("add_note", ticket=created["id"], raw_body='{"body": "Hi"}', headers={"content-type": content_type})

    assert (reply.status, reply.body["error"]["code"]) == (415, "unsupported_media_type"), reply.body


def test_a_custom_field_string_is_not_read_as_a_number(api: Api) -> None:
    reply = api("create_ticket", body=_create_body(custom_fields={"order": "0" * 1001}))

    assert (reply.status, reply.body["error"]["code"]) == (422, "validation_error"), reply.body


@pytest.mark.parametrize(
    "address",
    ["ana@example.test", "ana@mail.localhost", "ana@0", "ana@host.123"],
    ids=["test", "localhost", "no dot", "numeric"],
)
def test_an_address_no_mail_can_reach_is_422_and_the_document_says_so(api: Api, address: str) -> None:
    reply = api("create_ticket", body=_create_body(requester={"email": address}))

    assert (reply.status, reply.body["error"]["code"]) == (422, "validation_error"), reply.body
    assert not re.search(Requester.model_json_schema()["properties"]["email"]["pattern"], address)


def test_patch_status_to_new_or_quarantined_is_409(api: Api) -> None:
    created = api.create()
    api("add_reply", ticket=created["id"])
    for target in ("new", "quarantined"):
        reply = api("patch_ticket", ticket=created["id"], body={"status": target}, headers={"if-match": '"2"'})
        assert reply.status == 409, reply.body


def test_bad_list_parameters_are_422(api: Api) -> None:
    assert api("list_tickets", query={"status": "bogus"}).status == 422
    assert api("list_tickets", query={"limit": "0"}).status == 422
    assert api("list_tickets", query={"limit": "many"}).status == 422


def test_forged_cursor_is_400(api: Api) -> None:
    for cursor in ("garbage", "eyJwIjo5OSwiayI6e319", "eyJwIjowLCJrIjp7IkdTSTJQSyI6eyJTIjoiU1RBVFVTI29wZW4ifX19"):
        reply = api("list_tickets", query={"status": "new", "cursor": cursor})
        assert reply.status == 400, (cursor, reply.body)
        assert reply.body["error"]["code"] == "invalid_request"


def test_overlong_ticket_reference_is_422(api: Api) -> None:
    reply = api("get_ticket", ticket="x" * 65)
    assert reply.status == 422
    assert reply.body["error"]["details"][0]["field"] == "path.ticket"


def test_missing_token_is_401(api: Api) -> None:
    reply = api("list_tickets", claims=None)
    assert reply.status == 401
    assert reply.body["error"]["code"] == "unauthorized"


def test_token_without_agent_group_is_403(api: Api) -> None:
    reply = api("list_tickets", claims={"sub": "customer-9", "email": "c@example.com", "cognito:groups": "[customers]"})
    assert reply.status == 403
    assert reply.body["error"]["code"] == "forbidden"


def test_token_with_no_groups_is_403_and_without_subject_is_401(api: Api) -> None:
    assert api("get_ticket", ticket="LKT-1", claims={"sub": "x", "email": "x@example.com"}).status == 403
    assert api("get_ticket", ticket="LKT-1", claims={"email": "x@example.com"}).status == 401
