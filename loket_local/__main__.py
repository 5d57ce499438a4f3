"""`make run`: start the whole system on this machine (no Docker, no AWS account) until Ctrl-C."""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import select
import signal
import socket
import sys
import time
import warnings

from loket_local.auth import DEV_USERS
from loket_local.bus import Undeliverable
from loket_local.settings import LocalSettings
from loket_local.stack import LocalStack, PortInUse


def main() -> int:
    logging.basicConfig(format="%(asctime)s %(message)s", datefmt="%H:%M:%S", level=logging.WARNING)
    # not named after the service: Powertools' Logger filters out records of loggers whose name contains it
    logging.getLogger("local-stack").setLevel(logging.INFO)
    warnings.filterwarnings("ignore", module="moto")
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    # Ctrl-C and a polite kill both stop cleanly; installed explicitly because a shell may start us with SIGINT
    # ignored (a background job), and so that a kill during start-up or the demo data also stops everything
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _interrupt)
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # kill -USR1 <pid>: where every thread is
    settings = LocalSettings.from_env()
    stack = LocalStack(settings)
    try:
        stack.start()
    except (PortInUse, Undeliverable) as exc:
        print(f"make run: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    try:
        print_banner(stack)
        if stack.fresh and settings.seed:
            from loket_local.demo import seed

            try:
                seed(stack)
            except Exception as exc:  # the stack still runs; say what went wrong and go on
                print(f"demo data stopped half-way: {type(exc).__name__}: {exc}", flush=True)
        wait_until_interrupted()
    except KeyboardInterrupt:
        pass
    finally:
        print("\nstopping (saving state)...", flush=True)
        began = time.monotonic()
        stack.stop()
        print(f"stopped in {time.monotonic() - began:.1f} s; state kept in {settings.state_dir} (make reset wipes it)")
    return 0


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def wait_until_interrupted() -> None:
    """Wait (forever) until a signal's handler raises: until Ctrl-C or a kill.

    Not a sleep: the kernel hands a process-directed signal to any thread that does not block it, and a sleeping
    main thread is not woken when another thread takes it (Python runs handlers in the main thread only). The
    wakeup fd is written by whichever thread takes the signal, so the main thread's select returns and Python runs
    the handler.
    """
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    previous = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    try:
        while True:
            select.select([reader], [], [])
            with contextlib.suppress(BlockingIOError):
                reader.recv(4096)
    finally:
        signal.set_wakeup_fd(previous)
        reader.close()
        writer.close()


def first_mail_command(port: int, to: str) -> str:
    """A shell line that sends a first mail with curl (CRLF line ends, as SMTP wants)."""
    return (
        "printf 'From: you@example.net\\nSubject: Hello\\n\\nMy first ticket\\n' | "
        f"curl -sS --crlf -T - smtp://localhost:{port} --mail-from you@example.net --mail-rcpt {to}"
    )


def print_banner(stack: LocalStack) -> None:
    url = stack.http_url
    tokens = stack.issuer.tokens()
    restored = stack.restored
    support = stack.support_address or "<no receipt rule in the template>"
    lines = [
        "",
        f"Loket is running locally (ready in {stack.started_in_s:.1f} s)",
        f"  console      {url}/",
        f"  API          {url}/v1/...  ({len(stack.gateway.routes)} routes from template.yaml)",
        f"  dev tools    {url}/_local/   login {url}/_local/login   outbox {url}/_local/outbox",
        f"  SMTP         localhost:{stack.smtp_port}  mail to {support} becomes a ticket; what Loket sends is in the outbox",
        f"  first mail   {first_mail_command(stack.smtp_port, support)}",
        f"  AWS (moto)   {stack.aws.endpoint}",
        f"  functions    {len(stack.runtime.functions)}, queue consumers and pipes {len(stack.workers)}, "
        f"schedules {len(stack.triggers)}",
        f"  state        {stack.settings.state_dir} "
        + (
            "(first start)"
            if stack.fresh
            else f"(restored {restored.get('items', 0)} items, "
            f"{restored.get('objects', 0)} objects, "
            f"{restored.get('messages', 0)} messages)"
        ),
    ]
    for user in DEV_USERS:
        lines.append(f"  {user.key} token  ({user.email}): {tokens[user.key]}")
    for note in stack.notes:
        lines.append(f"  note: {note}")
    lines.append("Ctrl-C stops everything.")
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
