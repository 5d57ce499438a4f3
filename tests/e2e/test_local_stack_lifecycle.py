"""The local stack's life cycle: state kept across a restart, a clear message when a port is taken.

These start their own stacks (one at a time: moto's backends are process-wide), so they live apart from the
module-scoped stack of test_local_stack.py.
"""

from __future__ import annotations

import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import urllib.request
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest

from loket_local.settings import LocalSettings
from loket_local.stack import LocalStack, PortInUse
from tests.e2e.conftest import ROOT, eventually, http, start_stack

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("own_stacks")]


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


def test_mail_still_being_processed_when_the_stack_stops_is_acknowledged_after_the_restart(tmp_path: Path) -> None:
    # given: a mail whose inbound invocation is still running when Ctrl-C comes
    subject = f"Arrived at closing time {uuid.uuid4().hex[:6]}"
    first = start_stack(tmp_path)
    support = first.support_address
    assert support is not None
    with first.runtime.hold("InboundEmailFunction") as held:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "late@example.com", support, subject
        message.set_content("Just before you close.")
        with smtplib.SMTP("127.0.0.1", first.smtp_port, timeout=30) as smtp:
            smtp.send_message(message)
        held.wait_started(timeout=60)
        stopping = threading.Thread(target=first.stop)
        stopping.start()  # servers and pollers stop while the function still runs
        eventually(lambda: first.smtp is not None and first.stop_event.is_set())
    stopping.join(120)  # the hold is over: the function ends, then the stack saves and stops
    assert not stopping.is_alive()

    # when: the stack starts again on the same state
    second = start_stack(tmp_path)
    try:
        # then: the mail is a ticket, and its acknowledgement goes out now
        assert subject in [t["subject"] for t in tickets(second)]
        eventually(lambda: any(subject in m["subject"] for m in second.outbox.mails()), timeout=60)
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


# what a console that has nothing to report must not show
NOISE = ("Traceback", "WARNING", "HeaderParsingError", "Failed to parse headers", "KeyError", " failed")


def _acknowledged(http_port: int, subject: str) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/_local/outbox.json", timeout=30) as response:
        return any(subject in mail["subject"] for mail in json.loads(response.read()))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_make_run_entry_point_serves_then_ctrl_c_stops_it_cleanly_and_frees_its_ports(tmp_path: Path) -> None:
    """`python -m loket_local` (what `make run` starts) as its own process: ready banner, real HTTP, then SIGINT."""
    http_port, smtp_port = _free_port(), _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST_"))},
        "PYTHONUNBUFFERED": "1",
        "LOKET_HTTP_PORT": str(http_port),
        "LOKET_SMTP_PORT": str(smtp_port),
        "LOKET_STATE_DIR": str(tmp_path / "state"),
        "LOKET_SEED": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "loket_local"], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        eventually(lambda: any("Ctrl-C stops everything." in line for line in lines), timeout=120)
        with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/v1/health", timeout=30) as response:
            assert response.status == 200
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as smtp:
            assert smtp.noop()[0] == 250

        # the banner's "first mail" line, run as a newcomer would paste it, gets a ticket and an acknowledgement
        command = next(line for line in lines if "first mail" in line).split("first mail", 1)[1].strip()
        subprocess.run(["bash", "-c", command], check=True, timeout=60)
        eventually(lambda: _acknowledged(http_port, "Hello"), timeout=120)

        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in a terminal: every process of the foreground group
        try:
            code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGUSR1)  # its threads' stacks, to say where it hangs
            eventually(lambda: any("most recent call first" in line for line in lines), timeout=10)
            raise AssertionError("make run did not stop within 60 s:\n" + "".join(lines)) from None
        assert code == 0, "".join(lines)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(10)

    output = "".join(lines)
    assert f"console      http://localhost:{http_port}/" in output
    assert f"SMTP         localhost:{smtp_port}  mail to support@example.com becomes a ticket" in output
    quiet = [line for line in lines if any(word in line for word in NOISE)]
    assert quiet == [], "the console should stay quiet when nothing is wrong"
    assert "stopping (saving state)..." in output and "stopped in" in output
    assert "Traceback" not in output
    assert any((tmp_path / "state").iterdir()), "no state was saved on the way out"
    for port in (http_port, smtp_port):  # nothing left listening: a connection is refused (a bind could meet
        with pytest.raises(ConnectionRefusedError):  # TIME_WAIT of the connections just closed, and fail)
            socket.create_connection(("127.0.0.1", port), timeout=10).close()
