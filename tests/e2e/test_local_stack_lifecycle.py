"""The local stack's life cycle: state kept across a restart, a clear message when a port is taken.

These start their own stacks (one at a time: moto's backends are process-wide), so they live apart from the
module-scoped stack of test_local_stack.py.
"""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest

from loket_local.settings import LocalSettings
from loket_local.stack import LocalStack, PortInUse
from tests.e2e.conftest import eventually, http, start_stack

pytestmark = pytest.mark.e2e


def agent(stack: LocalStack) -> str:
    return stack.issuer.tokens()["agent"]


def tickets(stack: LocalStack) -> list[dict]:
    return http(stack, "GET", "/v1/tickets?limit=100", token=agent(stack)).json()["items"]


def test_state_survives_restart_of_the_stack(tmp_path: Path) -> None:
    subject = f"Kept across restarts {uuid.uuid4().hex[:6]}"
    first = start_stack(tmp_path)
    try:
        created = http(
            first,
            "POST",
            "/v1/tickets",
            {"subject": subject, "body": "Remember me.", "requester": {"email": "rina@example.com"}},
            token=agent(first),
        )
        assert created.status == 201
        eventually(
            lambda: (
                any(subject in m["subject"] for m in http(first, "GET", "/_local/outbox.json").json())
                or http(first, "GET", "/_local/invocations.json").json()
            )
        )
    finally:
        first.stop()

    second = start_stack(tmp_path)
    try:
        assert subject in [t["subject"] for t in tickets(second)]
        assert second.fresh is False
    finally:
        second.stop()


def test_port_in_use_names_the_port_and_its_variable(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        stack = LocalStack(LocalSettings(state_dir=tmp_path, http_port=port, smtp_port=0))

        with pytest.raises(PortInUse) as error:
            stack.start()

    assert str(port) in str(error.value)
    assert "LOKET_HTTP_PORT" in str(error.value)
