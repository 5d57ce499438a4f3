"""`make bench`, mail part: from an inbound mail to its acknowledgement in the outbox, on an idle local stack.

The whole local stack runs in this process (seed off, a temporary state folder, free ports), as the end-to-end tests
start it. Mail goes in over real SMTP; the acknowledgement is awaited in the stack's outbox, polled every 20 ms, and
matched to its mail by a token in the subject (the acknowledgement quotes the ticket's subject). Each mail comes from
its own address, so the per-sender burst limit and the per-requester acknowledgement limit stay out of the way.

1. One mail at a time: BENCH_RUNS mails (default 5), each sent once the previous one is acknowledged and the stack is
   idle again; median, min and max from the SMTP send call to the acknowledgement. Target: under 1.5 s.
2. A burst: 20 mails at once (20 threads, each with its own SMTP connection, released together by a barrier); the
   time until all are acknowledged, p50 and p95 of the per-mail latency, tickets per second. Target: p95 under 5 s.
3. Where the time goes, per mail, from the invocation records (`stack.runtime.history`: started, duration_ms) and
   the timestamps above: SMTP accept | inbound function, waiting to start and running | table stream -> pipe ->
   queue -> notifier start | notifier running | acknowledgement seen in the outbox after the notifier ended.
   Medians per stage. Each function runs in environments of its own (worker processes), so "accepted -> starts"
   is the wait for a free environment, or for a new one to start (its cold start) when all are busy; it is a few
   ms below zero when the function starts before the server's 250 has reached the client.

A first mail, not counted, imports both functions (their cold start) before the figures are taken.
No thresholds are asserted; the targets are printed beside the figures. Run alone: `python tests/bench_mail.py`.
"""

from __future__ import annotations

import dataclasses
import math
import re
import shutil
import smtplib
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from loket_local.stack import LocalStack

ROOT = Path(__file__).resolve().parent.parent

BURST = 20
POLL_S = 0.02  # outbox polling interval
IDLE_S = 0.5  # pause once a mail's notifier invocation has finished, before the next mail
ACK_TIMEOUT_S = 60.0
ONE_TARGET_S = 1.5
BURST_P95_TARGET_S = 5.0
TOKEN = re.compile(r"bench[0-9a-f]{10}")
STAGES = {  # key -> label, in pipeline order; the stages of one mail add up to its total
    "smtp": "SMTP send -> 250 accepted",
    "inbound_wait": "inbound function: accepted -> starts *",
    "inbound_run": "inbound function: running",
    "transit": "table stream -> pipe -> queue -> notifier starts",
    "notifier_run": "notifier: running",
    "seen": "acknowledgement seen in outbox - notifier end",
    "total": "total (medians of stages need not add up)",
}
PARTS = ("smtp", "inbound_wait", "inbound_run", "transit", "notifier_run", "seen")


@dataclass
class Mail:
    token: str
    message: EmailMessage
    sent_at: float = 0.0  # the SMTP send call; wall clock, as invocation records are
    accepted_at: float = 0.0  # the server's 250 after DATA
    error: str | None = None

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])


@dataclass(frozen=True)
class Run:
    """One invocation record with its end computed (started + duration)."""

    function: str
    started: float
    ended: float
    error: str | None
    result: Any


def new_mail(to: str, n: int) -> Mail:
    token = f"bench{uuid.uuid4().hex[:10]}"
    message = EmailMessage()
    message["From"] = f"Customer {n} <customer.{token}@example.org>"
    message["To"] = to
    message["Subject"] = f"Printer on floor {n % 7 + 1} prints blank pages ({token})"
    message["Message-ID"] = make_msgid(domain="example.org")
    message.set_content("Hello,\n\nsince this morning the printer only prints blank pages.\n\nThanks,\nA customer\n")
    return Mail(token, message)


def send(port: int, mail: Mail, barrier: threading.Barrier | None = None) -> None:
    """Connect and greet, wait for the others (burst), then time MAIL/RCPT/DATA up to the server's reply."""
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.ehlo()
            if barrier is not None:
                barrier.wait(timeout=30)
            mail.sent_at = time.time()
            smtp.send_message(mail.message)
            mail.accepted_at = time.time()
    except Exception as exc:
        mail.error = f"{type(exc).__name__}: {exc}"


class OutboxWatch:
    """Polls the stack's outbox every POLL_S in its own thread and notes, per subject token, the window in which
    the acknowledgement appeared: after the previous poll began, before this poll's read returned."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.seen: dict[str, tuple[float, float]] = {}  # token -> (not there before, seen at)
        self.polls = 0
        self.poll_s = 0.0  # wall time inside the outbox reads
        self.cpu_s = 0.0  # CPU time of this thread
        self.wall_s = 0.0
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-outbox-watch", daemon=True)

    def __enter__(self) -> OutboxWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        cpu, wall = time.thread_time(), time.time()
        known, previous = 0, time.time()
        while not self._stop.is_set():
            began = time.time()
            mails = self.stack.outbox.mails()  # newest first
            read = time.time()
            fresh, known = mails[: len(mails) - known], len(mails)
            with self._changed:
                for mail in fresh:
                    for token in TOKEN.findall(str(mail.get("subject", ""))):
                        self.seen.setdefault(token, (previous, read))
                self.polls += 1
                self.poll_s += read - began
                self._changed.notify_all()
            previous = began
            self._stop.wait(POLL_S)
        self.cpu_s, self.wall_s = time.thread_time() - cpu, time.time() - wall

    def wait(self, tokens: list[str], timeout: float = ACK_TIMEOUT_S) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: all(t in self.seen for t in tokens), timeout)


# ---------------------------------------------------------------------------------------------- invocations


def runs(stack: LocalStack) -> list[Run]:
    return [
        Run(r.function, r.started, r.started + r.duration_ms / 1000, r.error, r.result)
        for r in list(stack.runtime.history)
    ]


def ticket_tokens(stack: LocalStack, inbound: list[Run]) -> dict[str, Run]:
    """Subject token -> the inbound invocation that made its ticket (from the result's ticket id and the table)."""
    from loket.core.data import keys

    ddb = stack.aws.client("dynamodb")
    table = stack.aws.tables()["TicketsTable"]
    found: dict[str, Run] = {}
    for run in inbound:
        if run.error is not None or not isinstance(run.result, dict):
            continue
        for result in run.result.get("results") or []:
            ticket_id = result.get("ticket_id")
            if not ticket_id:
                continue
            item = ddb.get_item(
                TableName=table,
                Key={"PK": {"S": keys.ticket_pk(ticket_id)}, "SK": {"S": keys.TICKET_SK}},
                ProjectionExpression="subject",
            ).get("Item", {})
            for token in TOKEN.findall(item.get("subject", {}).get("S", "")):
                found.setdefault(token, run)
    return found


@dataclass
class Breakdown:
    stages: dict[str, dict[str, float]]  # token -> stage -> seconds
    ambiguous: int  # mails whose sighting window touched more than one notifier invocation
    unmatched: int


def breakdown(stack: LocalStack, watch: OutboxWatch, mails: list[Mail], settle_s: float = 10.0) -> Breakdown:
    """Each mail's latency split into stages. The notifier invocation that sent an acknowledgement is the one running
    within the window the outbox poll saw it appear (not before its mail's inbound invocation ended)."""
    inbound_id, notifier_id = stack.runtime.find("inbound_email"), stack.runtime.find("notifier")
    deadline = time.monotonic() + settle_s
    while True:  # a notifier invocation is recorded when it ends, possibly after its mail was seen
        everything = runs(stack)
        by_token = ticket_tokens(stack, [r for r in everything if r.function == inbound_id])
        notifier = [r for r in everything if r.function == notifier_id]
        stages: dict[str, dict[str, float]] = {}
        ambiguous = unmatched = 0
        for mail in mails:
            inbound = by_token.get(mail.token)
            window = watch.seen.get(mail.token)
            if inbound is None or window is None:
                unmatched += 1
                continue
            before, seen = window
            candidates = [
                r for r in notifier if r.started <= seen and r.ended >= before and r.started >= inbound.ended - 0.001
            ]
            if not candidates:
                unmatched += 1
                continue
            ambiguous += len(candidates) > 1
            sender = min(candidates, key=lambda r: r.started)
            stages[mail.token] = {
                "smtp": mail.accepted_at - mail.sent_at,
                "inbound_wait": inbound.started - mail.accepted_at,
                "inbound_run": inbound.ended - inbound.started,
                "transit": sender.started - inbound.ended,
                "notifier_run": sender.ended - sender.started,
                "seen": seen - sender.ended,
                "total": seen - mail.sent_at,
            }
        if not unmatched or time.monotonic() > deadline:
            return Breakdown(stages, ambiguous, unmatched)
        time.sleep(0.05)


# ---------------------------------------------------------------------------------------------- the run


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (q in 0..1)."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low = math.floor(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def latency(watch: OutboxWatch, mail: Mail) -> float | None:
    window = watch.seen.get(mail.token)
    return None if window is None or mail.error else window[1] - mail.sent_at


def settle(stack: LocalStack, watch: OutboxWatch, mail: Mail) -> None:
    """Idle again: the invocation that sent the acknowledgement has ended and is recorded, then a short pause."""
    breakdown(stack, watch, [mail], settle_s=5.0)
    time.sleep(IDLE_S)


def mail_latency(runs_one_at_a_time: int = 5) -> dict[str, Any]:
    """Measure, print a compact table and return the figures."""
    from loket_local.settings import LocalSettings
    from loket_local.stack import LocalStack

    state_dir = Path(tempfile.mkdtemp(prefix="loket-bench-"))
    logs = state_dir / "state" / "logs"  # each function's output, one file per function (as make run keeps it)
    settings = dataclasses.replace(  # LOKET_* variables apply (LOKET_FUNCTION_CONCURRENCY, say), as in make run
        LocalSettings.from_env(),
        template=ROOT / "template.yaml",
        state_dir=state_dir / "state",
        http_port=0,
        smtp_port=0,
        seed=False,
        frontend_dir=ROOT / "frontend",
        events_dir=ROOT / "events",
    )
    try:
        try:
            began = time.monotonic()
            stack = LocalStack(settings).start()
            started_s = time.monotonic() - began
            try:
                with OutboxWatch(stack) as watch:
                    figures = _measure(stack, watch, runs_one_at_a_time)
            finally:
                stack.stop()
        except Exception:
            _log_tail(logs)
            raise
        figures["stack_start_s"] = started_s
        figures["polling"] = {
            "interval_s": POLL_S,
            "polls": watch.polls,
            "mean_read_ms": watch.poll_s / max(1, watch.polls) * 1000,
            "cpu_share": watch.cpu_s / max(1e-9, watch.wall_s),
        }
        _print(figures)
        if figures["missing"] or figures["function_errors"]:
            _log_tail(logs)
        return figures
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)


def _log_tail(logs: Path, lines: int = 15) -> None:
    for log_file in sorted(logs.glob("*.log")):
        tail = log_file.read_text(errors="replace").splitlines()[-lines:]
        print(f"  last lines of {log_file.name}:\n    " + "\n    ".join(tail), file=sys.stderr)


def _measure(stack: LocalStack, watch: OutboxWatch, one_at_a_time: int) -> dict[str, Any]:
    to = next(r for rule in stack.receipt.rules for r in rule.recipients if "@" in r)
    missing = 0

    first = new_mail(to, 0)  # imports both functions; not counted
    send(stack.smtp_port, first)
    if first.error or not watch.wait([first.token]):
        raise RuntimeError(f"the first mail was not acknowledged within {ACK_TIMEOUT_S:.0f} s ({first.error})")
    settle(stack, watch, first)

    singles: list[Mail] = []
    for n in range(1, one_at_a_time + 1):
        mail = new_mail(to, n)
        singles.append(mail)
        send(stack.smtp_port, mail)
        if mail.error or not watch.wait([mail.token]):
            missing += 1
            continue
        settle(stack, watch, mail)
    one = [x for x in (latency(watch, m) for m in singles) if x is not None]
    one_stages = breakdown(stack, watch, singles)

    burst = [new_mail(to, 100 + n) for n in range(BURST)]
    barrier = threading.Barrier(BURST)
    threads = [threading.Thread(target=send, args=(stack.smtp_port, m, barrier)) for m in burst]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    watch.wait([m.token for m in burst if not m.error])
    many = [x for x in (latency(watch, m) for m in burst) if x is not None]
    missing += BURST - len(many)
    burst_stages = breakdown(stack, watch, burst)
    start = min(m.sent_at for m in burst if not m.error) if many else 0.0
    all_s = max(watch.seen[m.token][1] for m in burst if latency(watch, m) is not None) - start if many else math.nan
    errors = [r for r in runs(stack) if r.error]

    def medians(b: Breakdown) -> dict[str, float]:
        rows = list(b.stages.values())
        return {k: statistics.median(r[k] for r in rows) for k in STAGES} if rows else {}

    return {
        "first_mail_s": latency(watch, first),
        "one": {
            "n": len(one),
            "median_s": statistics.median(one) if one else math.nan,
            "min_s": min(one, default=math.nan),
            "max_s": max(one, default=math.nan),
            "target_s": ONE_TARGET_S,
            "met": bool(one) and len(one) == one_at_a_time and statistics.median(one) < ONE_TARGET_S,
            "latencies_s": one,
        },
        "burst": {
            "n": BURST,
            "acknowledged": len(many),
            "all_s": all_s,
            "p50_s": percentile(many, 0.5) if many else math.nan,
            "p95_s": percentile(many, 0.95) if many else math.nan,
            "tickets_per_s": len(many) / all_s if many else 0.0,
            "target_p95_s": BURST_P95_TARGET_S,
            "met": len(many) == BURST and percentile(many, 0.95) < BURST_P95_TARGET_S,
            "latencies_s": many,
        },
        "stages_ms": {
            "one": {k: v * 1000 for k, v in medians(one_stages).items()},
            "burst": {k: v * 1000 for k, v in medians(burst_stages).items()},
        },
        "matching": {
            "ambiguous": one_stages.ambiguous + burst_stages.ambiguous,
            "unmatched": one_stages.unmatched + burst_stages.unmatched,
        },
        "function_errors": len(errors),
        "missing": missing,
    }


def _print(f: dict[str, Any]) -> None:
    one, burst = f["one"], f["burst"]

    def verdict(met: bool) -> str:
        return "met" if met else "MISSED"

    print(
        f"\nmail -> acknowledgement in the outbox, local stack in this process (seed off, temporary state; "
        f"started in {f['stack_start_s']:.1f} s)"
    )
    print(f"  first mail after start, not counted (functions import)  {f['first_mail_s']:6.2f} s")
    print(
        f"  one at a time ({one['n']})      median {one['median_s']:5.2f} s   min {one['min_s']:5.2f}   "
        f"max {one['max_s']:5.2f}                target median < {one['target_s']} s: {verdict(one['met'])}"
    )
    print(
        f"  {burst['n']} at once ({burst['acknowledged']} acked) p50 {burst['p50_s']:5.2f} s   "
        f"p95 {burst['p95_s']:5.2f}   all in {burst['all_s']:5.2f} s   {burst['tickets_per_s']:4.1f} tickets/s   "
        f"target p95 < {burst['target_p95_s']} s: {verdict(burst['met'])}"
    )
    stages = f["stages_ms"]
    print(f"\n  where the time goes, median ms per stage          {'one at a time':>13} {'20 at once':>11}")
    for key, label in STAGES.items():
        cells = [stages[kind].get(key) for kind in ("one", "burst")]
        text = " ".join(f"{'-' if c is None else f'{c:.0f}':>{w}}" for c, w in zip(cells, (13, 11), strict=True))
        print(f"  {label:<48} {text}")
    poll, matching = f["polling"], f["matching"]
    print(
        "  * waits for a free environment of the function, or for a new one's cold start when all are busy\n"
        f"  outbox polled every {poll['interval_s'] * 1000:.0f} ms: {poll['polls']} polls, {poll['mean_read_ms']:.2f} ms "
        f"per read, {poll['cpu_share'] * 100:.1f} % of one core; notifier invocation matched by time window "
        f"({matching['ambiguous']} ambiguous, {matching['unmatched']} unmatched); function errors {f['function_errors']}, "
        f"acknowledgements missing {f['missing']}"
    )


if __name__ == "__main__":
    for path in (ROOT / "shared", ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    from tests.bench import RUNS

    mail_latency(RUNS)
