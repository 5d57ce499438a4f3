"""Running the template's functions as Lambda would: same handler, same environment, each function on its own.

Lambda gives every function execution environments of its own, several at once when requests overlap. Here an
execution environment is a worker process (`loket_local.worker`) started with exactly the function's environment
(its template variables, moto's endpoint, fake credentials; nothing of the host's AWS or Powertools variables)
and the layer on its path. It imports the handler once (the cold start) and then serves one invocation at a time.
Each function has a pool of them, up to its reserved concurrency or the stack's per-function cap, so a mail
being processed never makes an agent's API call wait, and the stack's own process environment is never touched.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

from loket_local.template import ROOT, FunctionSpec

log = logging.getLogger("local-stack")

# what a function's process keeps of the host's environment: finding programs, the locale, a temporary folder
_HOST_KEEPS = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "SYSTEMROOT")


@dataclass
class Invocation:
    function: str
    source: str
    started: float
    duration_ms: float
    result: Any = None
    error: str | None = None
    request_id: str = ""
    finished: float | None = None  # None while it runs
    worker: int = 0  # the process id of the execution environment that ran it

    def summary(self) -> dict[str, Any]:
        return {
            "function": self.function,
            "source": self.source,
            "request_id": self.request_id,
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "duration_ms": None if self.finished is None else round(self.duration_ms, 1),
            "running": self.finished is None,
            "worker": self.worker,
            "error": self.error,
        }


class FunctionError(Exception):
    """The handler raised, its module failed to load, or its result could not be serialised."""


class Hold:
    """Invocations of one function pause once they have an execution environment, until released (tests use this
    to keep an invocation running while they do something else)."""

    def __init__(self) -> None:
        self._started = threading.Event()
        self.release = threading.Event()
        self.record: Invocation | None = None

    def reached(self, record: Invocation) -> None:
        self.record = self.record or record
        self._started.set()
        self.release.wait()

    def wait_started(self, timeout: float) -> Invocation:
        if not self._started.wait(timeout) or self.record is None:
            raise TimeoutError(f"no held invocation started within {timeout} s")
        return self.record


class FunctionLog:
    """What a function prints, as its log group would hold it: every line in `<log dir>/<logical id>.log`; lines at
    WARNING or above, and anything that is not a structured log line (a traceback, a print), also on the console."""

    _QUIET = ('"level":"DEBUG"', '"level":"INFO"', '"level": "DEBUG"', '"level": "INFO"')

    def __init__(self, logical_id: str, directory: Path | None) -> None:
        self.logical_id = logical_id
        self._lock = threading.Lock()
        self._file = None
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            self._file = (directory / f"{logical_id}.log").open("a", encoding="utf-8", errors="replace")

    def follow(self, stream: IO[str]) -> None:
        for line in stream:
            self.write(line.rstrip("\n"))
        stream.close()

    def write(self, line: str) -> None:
        if not line.strip():
            return
        with self._lock:
            if self._file is not None and not self._file.closed:
                self._file.write(line + "\n")
                self._file.flush()
        if not (line.startswith("{") and any(quiet in line for quiet in self._QUIET)):
            log.warning("[%s] %s", self.logical_id, line)

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()


class _Environment:
    """One worker process and the connection to it."""

    def __init__(self, fn: FunctionSpec, environment: dict[str, str], output: FunctionLog) -> None:
        module, _, attr = fn.handler.rpartition(".")
        target = _module_name(fn, module)
        mine, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "loket_local.worker", str(theirs.fileno()), target, attr],
                env=environment,
                cwd=fn.code_dir,
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                encoding="utf-8",
                errors="replace",
            )
        except BaseException:
            mine.close()
            raise
        finally:
            theirs.close()
        assert self.process.stdout is not None
        threading.Thread(
            target=output.follow, args=(self.process.stdout,), name=f"log:{fn.logical_id}", daemon=True
        ).start()
        self.connection = Connection(mine.detach())
        self.pid = self.process.pid
        try:
            hello = json.loads(self.connection.recv_bytes())
        except (EOFError, OSError):
            hello = {"init_error": {"error": f"Runtime.ExitError: exited with {self.process.wait()} during init"}}
        self.init_error: dict[str, str] | None = hello.get("init_error")

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        try:
            self.connection.send_bytes(json.dumps(request).encode())
            answer: dict[str, Any] = json.loads(self.connection.recv_bytes())
            return answer
        except (EOFError, OSError):
            code = self.process.wait()
            return {"error": f"Runtime.ExitError: the function's process exited with {code}", "crashed": True}

    def close(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        self.connection.close()  # end of input: the worker returns
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class _Pool:
    """The execution environments of one function: reused warm, a new one only when all are busy, up to `limit`."""

    def __init__(self, spawn: Callable[[], _Environment], limit: int) -> None:
        self.spawn, self.limit = spawn, limit
        self.idle: list[_Environment] = []
        self.busy: set[_Environment] = set()
        self.size = 0
        self.closed = False
        self.warming = False  # an environment is starting ahead of requests: the first request waits for it
        self.cond = threading.Condition()

    def acquire(self) -> _Environment:
        with self.cond:
            while not self.idle and (self.size >= self.limit or self.warming) and not self.closed:
                self.cond.wait()
            if self.closed:
                raise FunctionError("the local stack is stopping")
            if self.idle:
                env = self.idle.pop()  # the most recently used: warm
                self.busy.add(env)
                return env
            self.size += 1
        try:
            env = self.spawn()
        except BaseException:
            with self.cond:
                self.size -= 1
                self.cond.notify()
            raise
        with self.cond:
            self.busy.add(env)
        return env

    def release(self, env: _Environment, keep: bool) -> None:
        with self.cond:
            self.busy.discard(env)
            keep = keep and not self.closed
            if keep:
                self.idle.append(env)
            else:
                self.size -= 1
            self.cond.notify()
        if not keep:
            env.close()

    def warm(self) -> None:
        """Start one environment ahead of the first request, unless one exists."""
        with self.cond:
            if self.size or self.closed:
                return
            self.size += 1
            self.warming = True
        try:
            env = self.spawn()
        except BaseException:
            with self.cond:
                self.size -= 1
                self.warming = False
                self.cond.notify_all()
            raise
        with self.cond:
            self.warming = False
            keep = env.init_error is None and not self.closed
            if keep:
                self.idle.append(env)
            else:
                self.size -= 1
            self.cond.notify_all()  # every request that waited for it: one takes it, the others start their own
        if not keep:
            env.close()

    def close(self) -> None:
        with self.cond:
            self.closed = True
            idle, busy, self.idle = self.idle, list(self.busy), []
            self.size -= len(idle)
            self.cond.notify_all()
        for env in idle:
            env.close()
        for env in busy:  # a running invocation ends as a crash; its caller sees FunctionError
            env.process.kill()


@dataclass
class FunctionRuntime:
    functions: dict[str, FunctionSpec]
    environments: dict[str, dict[str, str]]  # logical id -> resolved variables
    base_environment: dict[str, str]
    names: dict[str, str]  # logical id -> function name
    region: str
    account: str
    concurrency: int = 4  # environments per function at most (lower when the template reserves less)
    log_dir: Path | None = None  # where each function's output is kept (one file per function)
    history: deque[Invocation] = field(default_factory=lambda: deque(maxlen=200))

    def __post_init__(self) -> None:
        self.listeners: list[Callable[[Invocation], None]] = []
        self._running: dict[str, Invocation] = {}
        self._holds: dict[str, Hold] = {}
        self.logs = {logical: FunctionLog(logical, self.log_dir) for logical in self.functions}
        self._pools = {
            logical: _Pool(
                functools.partial(self._spawn, logical),
                min(self.concurrency, fn.reserved_concurrency or self.concurrency) or 1,
            )
            for logical, fn in self.functions.items()
        }

    def _spawn(self, logical_id: str) -> _Environment:
        return _Environment(self.functions[logical_id], self.process_environment(logical_id), self.logs[logical_id])

    # ------------------------------------------------------------------ lookup
    def find(self, name: str) -> str | None:
        """A function by logical id, code folder name or function name."""
        for logical, fn in self.functions.items():
            if name in (logical, fn.short_name, self.names.get(logical)):
                return logical
        return None

    def process_environment(self, logical_id: str) -> dict[str, str]:
        """Everything a function's process sees: its template variables, moto, and what Lambda itself sets."""
        fn = self.functions[logical_id]
        name = self.names.get(logical_id, logical_id)
        path = [str(ROOT), *(str(layer) for layer in fn.layer_dirs)]  # the layer, as Lambda's /opt/python
        return {
            **{k: os.environ[k] for k in _HOST_KEEPS if k in os.environ},
            "PYTHONPATH": os.pathsep.join(path),
            "PYTHONUNBUFFERED": "1",
            # Powertools warns on every invocation that records no metric (a GET); the console stays for real trouble
            "PYTHONWARNINGS": "ignore:No application metrics to publish",
            "TZ": ":UTC",
            "LAMBDA_TASK_ROOT": str(fn.code_dir),
            "_HANDLER": fn.handler,
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            **self.base_environment,
            **self.environments.get(logical_id, {}),
        }

    # ------------------------------------------------------------------ invocation
    def invoke(self, logical_id: str, event: Any, source: str = "") -> Any:
        """Call the handler with a JSON copy of `event`; return its JSON-serialisable result or raise FunctionError."""
        fn = self.functions[logical_id]
        payload = json.loads(json.dumps(event))
        pool = self._pools[logical_id]
        env = pool.acquire()
        name = self.names.get(logical_id, logical_id)
        begin = time.monotonic()
        record = Invocation(logical_id, source, time.time(), 0.0, request_id=str(uuid.uuid4()), worker=env.pid)
        self._running[record.request_id] = record
        keep = False
        try:
            if env.init_error is not None:
                record.error = env.init_error["error"]
                log.error("%s could not start (%s):\n%s", logical_id, source, env.init_error.get("trace", ""))
                raise FunctionError(record.error)
            hold = self._holds.get(logical_id)
            if hold is not None:
                hold.reached(record)
            answer = env.call({"event": payload, "context": self._context(fn, name, record.request_id)})
            keep = not answer.get("crashed")
            if "error" in answer:
                record.error = str(answer["error"])
                log.error("%s failed (%s):\n%s", logical_id, source, answer.get("trace") or record.error)
                raise FunctionError(record.error)
            record.result = answer.get("result")
            return record.result
        finally:
            pool.release(env, keep)
            record.duration_ms = (time.monotonic() - begin) * 1000
            record.finished = time.time()
            self._running.pop(record.request_id, None)
            if record.duration_ms > fn.timeout * 1000:
                log.warning(
                    "%s ran %.1f s, longer than its Timeout of %s s (Lambda would have stopped it)",
                    logical_id,
                    record.duration_ms / 1000,
                    fn.timeout,
                )
            self.history.append(record)
            for listener in list(self.listeners):
                listener(record)

    def _context(self, fn: FunctionSpec, name: str, request_id: str) -> dict[str, Any]:
        return {
            "function_name": name,
            "invoked_function_arn": f"arn:aws:lambda:{self.region}:{self.account}:function:{name}",
            "memory_limit_in_mb": fn.memory,
            "aws_request_id": request_id,
            "log_group_name": f"/aws/lambda/{name}",
            "log_stream_name": time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex,
            "timeout_s": fn.timeout,
        }

    def running(self) -> list[Invocation]:
        """Invocations that have an execution environment and have not finished."""
        return list(self._running.values())

    @contextmanager
    def hold(self, logical_id: str) -> Iterator[Hold]:
        """Invocations of `logical_id` that start inside this block wait until it ends (or `release` is set)."""
        hold = Hold()
        self._holds[logical_id] = hold
        try:
            yield hold
        finally:
            self._holds.pop(logical_id, None)
            hold.release.set()

    # ------------------------------------------------------------------ life cycle
    def warm(self) -> None:
        """One environment per function, started in the background (what a first request would wait for)."""
        for logical, pool in self._pools.items():
            threading.Thread(target=self._warm, args=(logical, pool), name=f"warm:{logical}", daemon=True).start()

    @staticmethod
    def _warm(logical: str, pool: _Pool) -> None:
        try:
            pool.warm()
        except Exception:
            log.exception("%s: could not start an execution environment", logical)

    def close(self) -> None:
        """End every environment (the stack is stopping)."""
        for pool in self._pools.values():
            pool.close()
        for output in self.logs.values():
            output.close()


def _module_name(fn: FunctionSpec, module_path: str) -> str:
    """The handler module by its dotted name from the checkout root when it has one, else its file."""
    file = fn.code_dir.joinpath(*module_path.split(".")).with_suffix(".py")
    if not file.is_file():
        raise FunctionError(f"handler module not found: {file}")
    try:
        dotted = ".".join(file.relative_to(ROOT).with_suffix("").parts)
    except ValueError:
        return str(file)
    if all(part.isidentifier() for part in dotted.split(".")):
        return dotted
    return str(file)
