"""A function's environment while it runs in the local stack, and the process's environment around it.

Functions run in background threads of the stack's process (queue pollers, schedules), so whatever the rest of
the process does with os.environ meanwhile (pytest sets and removes PYTEST_CURRENT_TEST around every test) must
survive the invocation, and the function must still see the template's variables and not the host's AWS ones.
"""

from __future__ import annotations

import os
import sys
import threading
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from loket_local.lambdas import FunctionRuntime
from loket_local.template import FunctionSpec

pytestmark = pytest.mark.e2e

HANDLER = """
import os
import gate


def handler(event, context):
    gate.started.set()
    gate.seen.update(os.environ)
    if not gate.release.wait(10):
        raise TimeoutError("the test never released the function")
    return {"ok": True}
"""


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    gate = types.SimpleNamespace(started=threading.Event(), release=threading.Event(), seen={})
    monkeypatch.setitem(sys.modules, "gate", gate)
    return gate


@pytest.fixture
def runtime(tmp_path: Path) -> FunctionRuntime:
    code = tmp_path / "waiter"
    code.mkdir()
    (code / "app.py").write_text(HANDLER)
    spec = FunctionSpec("Waiter", code, "app.handler", timeout=30, memory=128, layer_dirs=(), environment={},
                        function_name=None)  # fmt: skip
    return FunctionRuntime(
        functions={"Waiter": spec},
        environments={"Waiter": {"TABLE_NAME": "tickets-local"}},
        base_environment={"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing"},
        names={"Waiter": "local-Waiter"},
        region="us-east-1",
        account="123456789012",
    )


@pytest.fixture
def host_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_PROFILE", "someone-elses-account")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "host-key")
    monkeypatch.setenv("RUNNER_OWN_VARIABLE", "before")
    monkeypatch.delenv("TABLE_NAME", raising=False)
    yield


def run_in_background(runtime: FunctionRuntime, gate: types.SimpleNamespace) -> threading.Thread:
    thread = threading.Thread(target=runtime.invoke, args=("Waiter", {}, "test"), daemon=True)
    thread.start()
    assert gate.started.wait(10), "the function never started"
    return thread


def test_the_function_sees_the_template_environment_and_not_the_hosts_aws_variables(
    runtime: FunctionRuntime, gate: types.SimpleNamespace, host_environment: None
) -> None:
    thread = run_in_background(runtime, gate)
    gate.release.set()
    thread.join(10)

    assert gate.seen["TABLE_NAME"] == "tickets-local"
    assert gate.seen["AWS_ACCESS_KEY_ID"] == "testing"
    assert "AWS_PROFILE" not in gate.seen
    assert os.environ["AWS_PROFILE"] == "someone-elses-account"
    assert os.environ["AWS_ACCESS_KEY_ID"] == "host-key"
    assert "TABLE_NAME" not in os.environ


def test_a_variable_set_and_removed_elsewhere_while_a_function_runs_stays_as_that_code_left_it(
    runtime: FunctionRuntime, gate: types.SimpleNamespace, host_environment: None
) -> None:
    thread = run_in_background(runtime, gate)

    # what pytest does between two tests (removes PYTEST_CURRENT_TEST, sets it again) while a poller runs a function
    assert os.environ.pop("RUNNER_OWN_VARIABLE") == "before"
    os.environ["RUNNER_ADDED_VARIABLE"] = "added"
    gate.release.set()
    thread.join(10)

    assert "RUNNER_OWN_VARIABLE" not in os.environ
    assert os.environ.pop("RUNNER_ADDED_VARIABLE") == "added"
    assert os.environ["AWS_ACCESS_KEY_ID"] == "host-key"
