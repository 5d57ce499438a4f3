"""Running the template's functions in this process, as Lambda would: same handler, same environment.

Environment variables are process-global, so invocations take turns under one lock: the function's resolved
environment (its template variables, moto's endpoint and fake credentials) is in place while its handler runs,
with the host's AWS and Powertools variables hidden, and settings cached by the shared code are forgotten whenever
another function takes its turn. The rest of the process's environment is left alone, because other threads use it.
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

# host variables hidden from a function unless the stack sets them: they would point it at another account or setup
_HIDDEN_PREFIXES = ("AWS_", "POWERTOOLS_", "LAMBDA_", "_X_AMZN_", "_HANDLER")


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
        # every variable some function of the template declares: hidden from the others while they run
        self._template_keys = {key for env in self.environments.values() for key in env}
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
        """The function's variables in place of the host's AWS and template variables, only while its handler runs.

        Only those variables are touched, and afterwards each goes back only if nobody changed it meanwhile: other
        threads of this process (a test runner setting its own variables) keep using the environment undisturbed.
        """
        wanted = {**self.base_environment, **self.environments.get(logical_id, {})}
        hidden = [
            k for k in os.environ if k not in wanted and (k in self._template_keys or k.startswith(_HIDDEN_PREFIXES))
        ]
        saved = {k: os.environ.get(k) for k in [*wanted, *hidden]}
        for key in hidden:
            os.environ.pop(key, None)
        os.environ.update(wanted)
        try:
            if self._current != logical_id:
                self._current = logical_id
                self._forget_cached_settings()
            yield
        finally:
            for key, before in saved.items():
                if os.environ.get(key) != wanted.get(key):
                    continue  # changed while the function ran, by it or by another thread: theirs stands
                if before is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = before

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
