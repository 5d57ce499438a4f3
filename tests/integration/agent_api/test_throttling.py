"""DynamoDB throttling that outlasts botocore's retries reaches the agent as 429 with Retry-After, not a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.agent_api.conftest import Api
from tests.support.botocore_hooks import on_dynamodb_call


class _HttpReply:
    status_code = 400
    headers: dict[str, str] = {}
    content = b""


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException"])
def test_throttled_read_is_429_with_retry_after(api: Api, monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    created = api.create()

    def throttle(model: Any, **_: Any) -> tuple[_HttpReply, dict[str, Any]] | None:
        if model.name == "GetItem":  # what botocore hands on once its retries are spent
            error = {"Error": {"Code": code, "Message": "Rate of requests exceeds the allowed throughput."}}
            return _HttpReply(), {**error, "ResponseMetadata": {"HTTPStatusCode": 400}}
        return None

    with on_dynamodb_call(monkeypatch, throttle):
        reply = api("get_ticket", ticket=created["id"])
    assert reply.status == 429, reply.body
    assert int(reply.headers["retry-after"]) >= 1
    assert reply.body["error"]["code"] == "rate_limited"
