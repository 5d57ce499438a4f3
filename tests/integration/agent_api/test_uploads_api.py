"""Agents attach files to replies and notes: POST /v1/uploads keeps the file, the reply or note names its key.

Bad input at each step is a 4xx with a message, and a refused reply or note leaves the conversation as it was.
"""

from __future__ import annotations

import base64
from typing import Any

import boto3
import pytest
import requests

from loket.channels.agent_api import uploads
from loket.platform import attachments as storage
from loket.platform.aws import reset as reset_platform
from tests.integration.agent_api.conftest import ADMIN, Api

GUIDE = b"%PDF-1.4\n% how to reset your password\n"


def upload(
    api: Api, data: bytes = GUIDE, filename: str | None = "steps to reset.pdf", content_type: str | None = None,
    binary: bool = True, **kwargs: Any,
) -> Any:  # fmt: skip
    query = {"filename": filename} if filename is not None else {}
    if content_type is not None:
        query["content_type"] = content_type
    body = base64.b64encode(data).decode() if binary else data.decode()
    event_headers = {"content-type": "application/octet-stream" if binary else "text/plain"}
    return api("create_upload", raw_body=body, query=query, base64_body=binary, headers=event_headers, **kwargs)


def conversation(api: Api, ticket: str) -> list[dict[str, Any]]:
    reply = api("list_conversation", ticket=ticket)
    assert reply.status == 200
    return reply.body["items"]


def test_upload_keeps_the_file_and_a_reply_attaches_it(api: Api, bucket: str) -> None:
    ticket = api.create()["number"]

    uploaded = upload(api, content_type="application/pdf")
    assert uploaded.status == 201, uploaded.body
    assert uploaded.body["key"].startswith("agent/")
    assert {k: uploaded.body[k] for k in ("filename", "content_type", "size")} == {
        "filename": "steps to reset.pdf", "content_type": "application/pdf", "size": len(GUIDE),
    }  # fmt: skip
    reply = api(
        "add_reply", ticket=ticket, body={"body": "The guide is attached.", "attachments": [uploaded.body["key"]]}
    )

    assert reply.status == 201, reply.body
    [attached] = reply.body["entry"]["attachments"]
    assert attached == {"key": uploaded.body["key"], "filename": "steps to reset.pdf",
                        "content_type": "application/pdf", "size": len(GUIDE)}  # fmt: skip
    link = api("attachment_link", ticket=ticket, path={"entry": reply.body["entry"]["id"], "index": "0"})
    assert requests.get(link.body["url"], timeout=10).content == GUIDE


def test_a_note_attaches_an_upload_too(api: Api, bucket: str) -> None:
    ticket = api.create()["number"]
    key = upload(api, b"call log", "call.txt", "text/plain").body["key"]

    note = api("add_note", ticket=ticket, body={"body": "Call log.", "attachments": [key]})

    assert note.status == 201
    assert note.body["entry"]["attachments"][0]["filename"] == "call.txt"


def test_a_text_body_api_gateway_did_not_base64_encode_is_stored_as_utf8(api: Api, bucket: str) -> None:
    uploaded = upload(api, "catatan: sudah dicek ✓".encode(), "catatan.txt", "text/plain", binary=False)

    assert uploaded.status == 201
    assert storage.read(uploaded.body["key"]) == "catatan: sudah dicek ✓".encode()


def test_a_path_in_the_file_name_is_dropped(api: Api, bucket: str) -> None:
    uploaded = upload(api, filename="C:\\Users\\budi\\..\\laporan.xlsx")

    assert uploaded.status == 201
    assert uploaded.body["filename"] == "laporan.xlsx"
    assert uploaded.body["key"].endswith("/laporan.xlsx")


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"data": b""}, 400, "invalid_request"),
        ({"filename": None}, 422, "validation_error"),
        ({"filename": ""}, 422, "validation_error"),
        ({"content_type": "not a type"}, 422, "validation_error"),
        ({"claims": None}, 401, "unauthorized"),
    ],
    ids=["empty file", "no file name", "empty file name", "bad media type", "no token"],
)
def test_bad_uploads_are_refused_with_a_message(
    api: Api, bucket: str, kwargs: dict[str, Any], status: int, code: str
) -> None:
    reply = upload(api, **kwargs)

    assert reply.status == status, reply.body
    assert reply.body["error"]["code"] == code
    assert reply.body["error"]["message"]


def test_a_file_over_the_upload_cap_is_413(api: Api, bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_UPLOAD_MAX_BYTES", "1024")
    reset_platform()

    reply = upload(api, data=b"x" * 1025)

    assert reply.status == 413
    assert reply.body["error"] == {"code": "payload_too_large", "message": "a file may be at most 1 KB"}


def test_a_body_marked_base64_that_is_not_is_400(api: Api, bucket: str) -> None:
    reply = api("create_upload", raw_body="not base64 at all!", query={"filename": "a.bin"}, base64_body=True)

    assert reply.status == 400
    assert "base64" in reply.body["error"]["message"]


@pytest.mark.parametrize(
    "key",
    ["web/0123/0-invoice.pdf", "inbound/abc/00-secret.pdf", "agent/0123/../../inbound/x.pdf", "agent/never/made.pdf"],
    ids=["a web upload", "a mailed file", "a path out of the uploads", "an upload that does not exist"],
)
def test_a_reply_naming_anything_but_an_existing_upload_is_refused_and_adds_nothing(
    api: Api, bucket: str, key: str
) -> None:
    ticket = api.create()["number"]
    storage.put("web/0123/0-invoice.pdf", b"x", "application/pdf")
    storage.put("inbound/abc/00-secret.pdf", b"x", "application/pdf")
    before = conversation(api, ticket)

    reply = api("add_reply", ticket=ticket, body={"body": "Here.", "attachments": [key]})

    # a key outside agent/ does not match the documented pattern (422); a path out of the uploads is refused (400);
    # an upload that does not exist is a reference to nothing (409)
    expected = {
        "agent/0123/../../inbound/x.pdf": (400, "invalid_request"),
        "agent/never/made.pdf": (409, "reference_not_found"),
    }.get(key, (422, "validation_error"))
    assert (reply.status, reply.body["error"]["code"]) == expected
    assert conversation(api, ticket) == before


def test_another_agents_upload_cannot_be_attached(api: Api, bucket: str) -> None:
    ticket = api.create()["number"]
    key = upload(api, claims=ADMIN).body["key"]

    reply = api("add_note", ticket=ticket, body={"body": "Mine now?", "attachments": [key]})

    assert reply.status == 400
    assert "another agent" in reply.body["error"]["message"]


def test_too_many_files_or_too_many_bytes_for_one_entry_are_refused(
    api: Api, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = api.create()["number"]
    keys = [upload(api, data=b"y" * 600, filename=f"part{n}.bin").body["key"] for n in range(6)]

    too_many = api("add_reply", ticket=ticket, body={"body": "All of them.", "attachments": keys})
    monkeypatch.setenv("AGENT_ENTRY_MAX_BYTES", "1000")
    reset_platform()
    too_big = api("add_reply", ticket=ticket, body={"body": "Two.", "attachments": keys[:2]})

    assert (too_many.status, too_many.body["error"]["code"]) == (422, "validation_error")  # maxItems 5
    assert too_many.body["error"]["details"][0]["field"] == "body.attachments"
    assert (too_big.status, too_big.body["error"]["code"]) == (413, "payload_too_large")
    assert [e["kind"] for e in conversation(api, ticket)] == ["customer_message"]


def test_the_same_upload_named_twice_is_attached_once(api: Api, bucket: str) -> None:
    ticket = api.create()["number"]
    key = upload(api).body["key"]

    reply = api("add_reply", ticket=ticket, body={"body": "Twice?", "attachments": [key, key]})

    assert reply.status == 201
    assert len(reply.body["entry"]["attachments"]) == 1


def test_create_upload_event_in_events_is_a_valid_upload(api: Api, bucket: str) -> None:
    reply = api("create_upload")

    assert reply.status == 201, reply.body
    assert reply.body["filename"] == "steps to reset.pdf"
    assert storage.read(reply.body["key"]).startswith(b"%PDF-1.4")


def tags_of(bucket: str, key: str) -> dict[str, str]:
    tag_set = boto3.client("s3").get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
    return {t["Key"]: t["Value"] for t in tag_set}


def test_an_upload_is_pending_until_an_entry_names_it_then_attached(api: Api, bucket: str) -> None:
    ticket = api.create()["number"]
    kept, dropped = upload(api).body["key"], upload(api, filename="draft.pdf").body["key"]
    assert tags_of(bucket, kept) == tags_of(bucket, dropped) == {uploads.STATE_TAG: uploads.PENDING}

    api("add_reply", ticket=ticket, body={"body": "Guide attached.", "attachments": [kept]})

    assert tags_of(bucket, kept) == {uploads.STATE_TAG: uploads.ATTACHED}
    assert tags_of(bucket, dropped) == {uploads.STATE_TAG: uploads.PENDING}  # the lifecycle rule removes it


def test_a_refused_entry_marks_none_of_its_uploads_attached(api: Api, bucket: str) -> None:
    ticket = api.create()["number"]
    mine = upload(api).body["key"]

    reply = api("add_reply", ticket=ticket, body={"body": "Two files.", "attachments": [mine, "agent/x/none.pdf"]})

    assert reply.status == 409
    assert tags_of(bucket, mine) == {uploads.STATE_TAG: uploads.PENDING}


def test_without_an_attachments_bucket_uploads_and_named_files_are_400_not_500(api: Api) -> None:
    ticket = api.create()["number"]

    uploaded = upload(api)
    reply = api("add_reply", ticket=ticket, body={"body": "Here.", "attachments": ["agent/x/a.pdf"]})
    plain = api("add_reply", ticket=ticket, body={"body": "No files."})

    assert (uploaded.status, reply.status) == (400, 400)
    assert "no attachments bucket" in uploaded.body["error"]["message"]
    assert "no attachments bucket" in reply.body["error"]["message"]
    assert plain.status == 201
