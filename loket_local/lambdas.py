"""Running the template's functions in this process, as Lambda would: same handler, same environment.

Environment variables are process-global, so invocations take turns under one lock: the function's resolved
environment (and only it, plus moto's endpoint and fake credentials) is in place while its handler runs, and
settings cached by the shared code are forgotten whenever another function takes its turn.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import os
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from loket_local.template import ROOT, FunctionSpec

log = logging.getLogger("local-stack")

# kept from the parent environment: what an operating system gives any process
_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "SYSTEMROOT", "VIRTUAL_ENV")


class LambdaContext:
    """The context object a Python handler receives in Lambda."""

    def __init__(self, fn: FunctionSpec, name: str, region: str, account: str) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
        self.memory_limit_in_mb = fn.memory
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + fn.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class Invocation:
    function: str
    source: str
    started: float
    duration_ms: float
    result: Any = None
    error: str | None = None
    request_id: str = ""

    def summary(self) -> dict[str, Any]:
        return {
            "function": self.function,
            "source": self.source,
            "request_id": self.request_id,
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "duration_ms": round(self.duration_ms, 1),
            "error": self.error,
        }


class FunctionError(Exception):
    """The handler raised, or returned something Lambda could not serialise."""


@dataclass
class FunctionRuntime:
    functions: dict[str, FunctionSpec]
    environments: dict[str, dict[str, str]]  # logical id -> resolved variables
    base_environment: dict[str, str]
    names: dict[str, str]  # logical id -> function name
    region: str
    account: str
    history: deque[Invocation] = field(default_factory=lambda: deque(maxlen=200))

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._handlers: dict[str, Callable[..., Any]] = {}
        self._current: str | None = None
        self.listeners: list[Callable[[Invocation], None]] = []
        for fn in self.functions.values():  # the layer, as Lambda puts it on the path (/opt/python)
            for layer in fn.layer_dirs:
                if str(layer) not in sys.path:
                    sys.path.append(str(layer))

    # ------------------------------------------------------------------ lookup
    def find(self, name: str) -> str | None:
        """A function by logical id, code folder name or function name."""
        for logical, fn in self.functions.items():
            if name in (logical, fn.short_name, self.names.get(logical)):
                return logical
        return None

    # ------------------------------------------------------------------ invocation
    def invoke(self, logical_id: str, event: Any, source: str = "") -> Any:
        """Call the handler with a JSON copy of `event`; return its JSON-serialisable result or raise FunctionError."""
        fn = self.functions[logical_id]
        payload = json.loads(json.dumps(event))
        started = time.time()
        begin = time.monotonic()
        context = LambdaContext(fn, self.names.get(logical_id, logical_id), self.region, self.account)
        record = Invocation(logical_id, source, started, 0.0, request_id=context.aws_request_id)
        try:
            with self._lock, self._environment(logical_id):
                try:
                    result = self._handler(fn)(payload, context)
                except Exception as exc:
                    record.error = f"{type(exc).__name__}: {exc}"
                    log.error("%s failed (%s):\n%s", logical_id, source, traceback.format_exc())
                    raise FunctionError(record.error) from exc
            try:
                result = json.loads(json.dumps(result))
            except (TypeError, ValueError) as exc:
                record.error = f"Runtime.MarshalError: {exc}"
                raise FunctionError(record.error) from exc
            record.result = result
            return result
        finally:
            record.duration_ms = (time.monotonic() - begin) * 1000
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

    @contextmanager
    def _environment(self, logical_id: str) -> Iterator[None]:
        saved = dict(os.environ)
        env = {k: v for k, v in saved.items() if k in _KEEP or k.startswith("MOTO_")}
        env.update(self.base_environment)
        env.update(self.environments.get(logical_id, {}))
        os.environ.clear()
        os.environ.update(env)
        try:
            if self._current != logical_id:
                self._current = logical_id
                self._forget_cached_settings()
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    @staticmethod
    def _forget_cached_settings() -> None:
        """The shared code reads its settings once per process; another function means other settings."""
        config = sys.modules.get("loket.config")
        reset = getattr(config, "reset", None)
        if callable(reset):
            reset()

    def _handler(self, fn: FunctionSpec) -> Callable[..., Any]:
        if fn.logical_id not in self._handlers:
            module_path, _, attr = fn.handler.rpartition(".")
            module = _import(fn.code_dir, module_path)
            self._handlers[fn.logical_id] = getattr(module, attr)
        return self._handlers[fn.logical_id]


def _import(code_dir: Path, module_path: str) -> ModuleType:
    """The handler module: by its dotted name from the checkout root when it has one, else from its file."""
    file = code_dir.joinpath(*module_path.split(".")).with_suffix(".py")
    if not file.is_file():
        raise FunctionError(f"handler module not found: {file}")
    try:
        dotted = ".".join(file.relative_to(ROOT).with_suffix("").parts)
    except ValueError:
        dotted = ""
    if dotted and all(part.isidentifier() for part in dotted.split(".")):
        return importlib.import_module(dotted)
    name = f"loket_local_fn_{abs(hash(file))}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise FunctionError(f"cannot load {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
