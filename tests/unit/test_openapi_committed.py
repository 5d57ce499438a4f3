"""The committed OpenAPI document (docs/openapi.json) is what the code serves; `make openapi` refreshes it."""

from __future__ import annotations

import json
from pathlib import Path

from functions.agent_api.app import resolver
from loket.channels.agent_api.api import openapi_document

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_openapi_matches_the_code() -> None:
    committed = json.loads(COMMITTED.read_text())
    generated = openapi_document(resolver())  # what the function serves
    assert committed == generated, "docs/openapi.json is stale: run `make openapi` and commit it"


def test_openapi_documents_every_agent_route_and_bearer_security() -> None:
    spec = openapi_document(resolver())
    assert set(spec["paths"]) == {
        "/v1/health",
        "/v1/agents",
        "/v1/tickets",
        "/v1/tickets/bulk",
        "/v1/tickets/{ticket}",
        "/v1/tickets/{ticket}/conversation",
        "/v1/tickets/{ticket}/conversation/{entry}/attachments/{index}",
        "/v1/uploads",
        "/v1/tickets/{ticket}/replies",
        "/v1/tickets/{ticket}/notes",
        "/v1/tickets/{ticket}/audit",
        "/v1/tickets/{ticket}/merge",
        "/v1/tickets/{ticket}/release",
        "/v1/admin/groups",
        "/v1/admin/groups/{group}",
        "/v1/admin/agents",
        "/v1/admin/agents/{agent}",
        "/v1/me/availability",
        "/v1/admin/rules",
        "/v1/admin/rules/order",
        "/v1/admin/rules/{rule}",
        "/v1/admin/rules/{rule}/test",
        "/v1/admin/routing",
        "/v1/search",
        "/v1/macros",
        "/v1/admin/macros",
        "/v1/admin/macros/{macro}",
        "/v1/tickets/{ticket}/macros/{macro}",
        "/v1/admin/sla-policies",
        "/v1/admin/sla-policies/order",
        "/v1/admin/sla-policies/{policy}",
        "/v1/admin/calendars",
        "/v1/admin/calendars/{calendar}",
    }
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
