"""POST /v1/public/tickets: the JSON twin of the form for sites that embed their own form."""

from __future__ import annotations

import base64
import json

import pytest

from loket.core.data import tickets as repo
from loket.core.domain.errors import TicketNotFound
from loket.core.tickets import resolve
from loket.platform import signing
from tests.conftest import load_event
from tests.integration.web_form.conftest import PNG, Web, status_parts

GOOD = json.loads(load_event("web_form/post_public_ticket.json")["body"])


def test_public_ticket_valid_answers_201_with_a_signed_status_url(web: Web) -> None:
    reply = web.post_json()

    assert reply.status == 201
    assert reply.headers["content-type"] == "application/json"
    ticket = reply.json["ticket"]
    assert ticket["number"] == "LKT-1"
    assert ticket["status"] == "new"
    assert ticket["status_url"].startswith("https://abc123.execute-api.us-east-1.amazonaws.com/status/LKT-1?t=")
    ref, query = status_parts(ticket["status_url"])
    stored = resolve(ref)
    assert signing.verify("status", stored.ticket_id, query["t"])
    assert stored.channel == "web"
    assert stored.extra["web"]["via"] == "json"
    assert stored.custom_fields == {"category": "billing"}
    assert reply.headers["access-control-allow-origin"] == "https://www.example.com"
    assert reply.headers["vary"] == "Origin"


@pytest.fixture
def custom_domain(web_settings: dict[str, str]) -> None:
    web_settings["PUBLIC_BASE_URL"] = "https://help.example.com/"


def test_public_ticket_status_url_uses_the_public_base_url(custom_domain: None, web: Web) -> None:
    reply = web.post_json()

    assert reply.json["ticket"]["status_url"].startswith("https://help.example.com/status/LKT-1?t=")


def test_public_ticket_same_idempotency_key_answers_200_with_the_first_ticket(web: Web) -> None:
    first = web.post_json()
    second = web.post_json()

    assert (first.status, second.status) == (201, 200)
    assert first.json["ticket"]["number"] == second.json["ticket"]["number"] == "LKT-1"


def test_public_ticket_without_idempotency_key_makes_a_ticket_per_call(web: Web) -> None:
    web.post_json(headers={"idempotency-key": None})
    reply = web.post_json(headers={"idempotency-key": None})

    assert reply.json["ticket"]["number"] == "LKT-2"


def test_public_ticket_with_attachment_stores_it(web: Web) -> None:
    body = {
        **GOOD,
        "attachments": [
            {"filename": "bukti.png", "content_type": "image/png", "content_base64": base64.b64encode(PNG).decode()}
        ],
    }

    reply = web.post_json(body)

    assert reply.status == 201
    [entry] = repo.list_entries(resolve("LKT-1").ticket_id)
    assert [(a.filename, a.size) for a in entry.attachments] == [("bukti.png", len(PNG))]


def test_public_ticket_missing_fields_answers_422_with_details_in_the_callers_language(web: Web) -> None:
    reply = web.post_json({"email": "siti@example.com", "lang": "id"})

    assert reply.status == 422
    error = reply.json["error"]
    assert error["code"] == "validation_error"
    fields = {d["field"]: d for d in error["details"]}
    assert set(fields) == {"name", "subject", "category", "message"}
    assert fields["subject"]["problem"] == "Isi Subjek."
    assert fields["subject"]["type"] == "required"


def test_public_ticket_invalid_email_answers_422(web: Web) -> None:
    reply = web.post_json({**GOOD, "email": "not-an-address"})

    assert reply.status == 422
    assert reply.json["error"]["details"][0]["field"] == "email"


def test_public_ticket_malformed_json_answers_400(web: Web) -> None:
    reply = web.post_json(raw='{"name": "Siti", ')

    assert reply.status == 400
    assert reply.json["error"]["code"] == "malformed_json"


def test_public_ticket_wrong_types_answer_422(web: Web) -> None:
    reply = web.post_json({**GOOD, "subject": 42, "attachments": "none"})

    assert reply.status == 422
    fields = {d["field"] for d in reply.json["error"]["details"]}
    assert {"subject", "attachments"} <= fields


def test_public_ticket_fields_a_requester_does_not_own_answer_422(web: Web) -> None:
    reply = web.post_json({**GOOD, "priority": "urgent", "assignee": "agent-1"})

    assert reply.status == 422
    assert {d["field"] for d in reply.json["error"]["details"]} == {"priority", "assignee"}


def test_public_ticket_attachment_not_base64_answers_422(web: Web) -> None:
    body = {**GOOD, "attachments": [{"filename": "a.png", "content_base64": "***"}]}

    reply = web.post_json(body)

    assert reply.status == 422
    assert reply.json["error"]["details"][0]["field"] == "attachments.0.content_base64"


def test_public_ticket_refused_file_type_answers_422(web: Web) -> None:
    body = {**GOOD, "attachments": [{"filename": "x.html", "content_base64": base64.b64encode(b"<b>").decode()}]}

    reply = web.post_json(body)

    assert reply.status == 422
    assert reply.json["error"]["details"][0]["type"] == "file_type"


def test_public_ticket_bad_idempotency_key_answers_422(web: Web) -> None:
    reply = web.post_json(headers={"idempotency-key": "spaces are not allowed"})

    assert reply.status == 422
    assert reply.json["error"]["details"][0]["field"] == "Idempotency-Key"


def test_public_ticket_from_an_origin_not_configured_answers_403(web: Web) -> None:
    reply = web.post_json(headers={"origin": "https://evil.example"})

    assert reply.status == 403
    assert reply.json["error"]["code"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in reply.headers


def test_public_ticket_without_origin_is_a_server_and_allowed_without_cors_headers(web: Web) -> None:
    reply = web.post_json(headers={"origin": None})

    assert reply.status == 201
    assert "access-control-allow-origin" not in reply.headers


def test_public_ticket_form_content_type_answers_415(web: Web) -> None:
    reply = web.post_json(headers={"content-type": "application/x-www-form-urlencoded"})

    assert reply.status == 415
    assert reply.json["error"]["code"] == "unsupported_media_type"


@pytest.fixture
def small_body(web_settings: dict[str, str]) -> None:
    web_settings["WEB_MAX_BODY_BYTES"] = "1024"


def test_public_ticket_body_over_the_cap_answers_413(small_body: None, web: Web) -> None:
    reply = web.post_json({**GOOD, "message": "x" * 100_000})

    assert reply.status == 413
    assert reply.json["error"]["code"] == "payload_too_large"


def test_public_ticket_honeypot_answers_202_and_creates_nothing(web: Web) -> None:
    reply = web.post_json({**GOOD, "website": "http://spam.example"})

    assert reply.status == 202
    assert reply.json == {"received": True}
    with pytest.raises(TicketNotFound):
        resolve("LKT-1")


@pytest.fixture
def tight_ip_limit(web_settings: dict[str, str]) -> None:
    web_settings["WEB_IP_LIMIT"] = "1"


@pytest.mark.usefixtures("one_rate_window")
def test_public_ticket_over_the_ip_limit_answers_429_json(tight_ip_limit: None, web: Web) -> None:
    web.post_json(headers={"idempotency-key": "one"})

    reply = web.post_json(headers={"idempotency-key": "two"})

    assert reply.status == 429
    assert reply.json["error"]["code"] == "rate_limited"
    assert int(reply.headers["retry-after"]) > 0


def test_public_ticket_preflight_from_an_allowed_origin_gets_cors_headers(web: Web) -> None:
    reply = web.call(load_event("web_form/options_public_ticket.json"))

    assert reply.status == 204
    assert reply.headers["access-control-allow-origin"] == "https://www.example.com"
    assert "POST" in reply.headers["access-control-allow-methods"]


def test_public_ticket_preflight_from_another_origin_gets_none(web: Web) -> None:
    event = load_event("web_form/options_public_ticket.json")
    event["headers"]["origin"] = "https://evil.example"

    reply = web.call(event)

    assert "access-control-allow-origin" not in reply.headers
