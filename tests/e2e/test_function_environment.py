"""A function's environment in the local stack: a process of its own with the template's variables, as in Lambda.

Each function runs in worker processes started with exactly its environment, so it never sees the host's AWS
variables, and nothing the stack's own process does with os.environ (pytest sets and removes PYTEST_CURRENT_TEST
around every test) can reach into a function or be undone by one.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from loket_local.lambdas import FunctionError, FunctionRuntime
from loket_local.template import FunctionSpec
from tests.e2e.conftest import eventually

pytestmark = pytest.mark.e2e

HANDLER = """
import os

LOADED_BY = os.getpid()


def handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    if event.get("exit"):
        os._exit(3)
    return {"environment": dict(os.environ), "pid": os.getpid(), "loaded_by": LOADED_BY,
            "function_name": context.function_name, "remaining_ms": context.get_remaining_time_in_millis()}
"""


def runtime_for(tmp_path: Path, source: str = HANDLER, concurrency: int = 2) -> FunctionRuntime:
    code = tmp_path / "echo"
    code.mkdir(exist_ok=True)
    (code / "app.py").write_text(source)
    spec = FunctionSpec("Echo", code, "app.handler", timeout=30, memory=128, layer_dirs=(), environment={},
                        function_name=None)  # fmt: skip
    return FunctionRuntime(
        functions={"Echo": spec},
        environments={"Echo": {"TABLE_NAME": "tickets-local"}},
        base_environment={"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing"},
        names={"Echo": "local-Echo"},
        region="us-east-1",
        account="123456789012",
        concurrency=concurrency,
    )


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[FunctionRuntime]:
    runtime = runtime_for(tmp_path)
    yield runtime
    runtime.close()


@pytest.fixture
def host_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "someone-elses-account")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "host-key")
    monkeypatch.setenv("RUNNER_OWN_VARIABLE", "before")
    monkeypatch.delenv("TABLE_NAME", raising=False)


def test_the_function_sees_the_template_environment_and_not_the_hosts_aws_variables(
    runtime: FunctionRuntime, host_environment: None
) -> None:
    result = runtime.invoke("Echo", {}, "test")

    seen = result["environment"]
    assert seen["TABLE_NAME"] == "tickets-local"
    assert seen["AWS_ACCESS_KEY_ID"] == "testing"
    assert seen["AWS_LAMBDA_FUNCTION_NAME"] == result["function_name"] == "local-Echo"
    assert "AWS_PROFILE" not in seen and "RUNNER_OWN_VARIABLE" not in seen
    assert result["pid"] != os.getpid()
    assert 0 < result["remaining_ms"] <= 30_000
    assert os.environ["AWS_PROFILE"] == "someone-elses-account"
    assert os.environ["AWS_ACCESS_KEY_ID"] == "host-key"
    assert "TABLE_NAME" not in os.environ


def test_a_variable_set_and_removed_elsewhere_while_a_function_runs_stays_as_that_code_left_it(
    runtime: FunctionRuntime, host_environment: None
) -> None:
    with runtime.hold("Echo") as held:
        thread = threading.Thread(target=runtime.invoke, args=("Echo", {}, "test"), daemon=True)
        thread.start()
        held.wait_started(timeout=30)

        # what pytest does between two tests (removes PYTEST_CURRENT_TEST, sets it again) while a poller runs a function
        assert os.environ.pop("RUNNER_OWN_VARIABLE") == "before"
        os.environ["RUNNER_ADDED_VARIABLE"] = "added"
    thread.join(30)

    assert "RUNNER_OWN_VARIABLE" not in os.environ
    assert os.environ.pop("RUNNER_ADDED_VARIABLE") == "added"
    assert os.environ["AWS_ACCESS_KEY_ID"] == "host-key"


def test_a_warm_environment_is_reused_and_its_module_loaded_once(runtime: FunctionRuntime) -> None:
    first = runtime.invoke("Echo", {}, "test")
    second = runtime.invoke("Echo", {}, "test")

    assert first["pid"] == second["pid"] == first["loaded_by"]


def test_overlapping_invocations_get_environments_of_their_own_up_to_the_cap(runtime: FunctionRuntime) -> None:
    # given: two invocations of one function held while they run
    results: list[dict] = []
    with runtime.hold("Echo") as held:
        threads = [
            threading.Thread(target=lambda: results.append(runtime.invoke("Echo", {}, "test")), daemon=True)
            for _ in range(3)
        ]
        for thread in threads:
            thread.start()
        held.wait_started(timeout=30)
        eventually(lambda: len(runtime.running()) == 2, timeout=30)

        # then: each has its own process, and a third waits for one of them (the cap is 2)
        assert len({r.worker for r in runtime.running()}) == 2
    for thread in threads:
        thread.join(30)

    assert len(results) == 3
    assert len({r["pid"] for r in results}) == 2


def test_a_handler_error_is_a_function_error_and_the_environment_stays_warm(runtime: FunctionRuntime) -> None:
    before = runtime.invoke("Echo", {}, "test")["pid"]

    with pytest.raises(FunctionError, match="ValueError: asked to fail"):
        runtime.invoke("Echo", {"fail": True}, "test")

    assert runtime.invoke("Echo", {}, "test")["pid"] == before
    assert runtime.history[-2].error == "ValueError: asked to fail"


def test_a_process_that_dies_is_a_function_error_and_the_next_call_gets_a_new_environment(
    runtime: FunctionRuntime,
) -> None:
    before = runtime.invoke("Echo", {}, "test")["pid"]

    with pytest.raises(FunctionError, match="exited with 3"):
        runtime.invoke("Echo", {"exit": True}, "test")

    assert runtime.invoke("Echo", {}, "test")["pid"] != before


def test_a_module_that_fails_to_load_is_reported_on_each_invocation(tmp_path: Path) -> None:
    runtime = runtime_for(tmp_path, "raise RuntimeError('broken at import')\n")
    try:
        for _ in range(2):
            with pytest.raises(FunctionError, match=r"Runtime\.ImportModuleError: broken at import"):
                runtime.invoke("Echo", {}, "test")
    finally:
        runtime.close()
