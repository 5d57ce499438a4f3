"""One execution environment of one function: a process of its own, as Lambda gives each function.

Started by `loket_local.lambdas` as `python -m loket_local.worker FD MODULE ATTR`, with exactly the function's
environment (its template variables, moto's endpoint, fake credentials) and the layer on its path. It imports
the handler first (Lambda's init phase), says so, then serves invocations one at a time over the connection on
file descriptor FD: a JSON request {"event", "context"} in, a JSON answer {"result"} or {"error", "trace"} out.
Only the standard library is imported here, so the function's cold start is its own.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import signal
import sys
import time
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any


class LambdaContext:
    """The context object a Python handler receives in Lambda."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self.function_name = fields["function_name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn = fields["invoked_function_arn"]
        self.memory_limit_in_mb = fields["memory_limit_in_mb"]
        self.aws_request_id = fields["aws_request_id"]
        self.log_group_name = fields["log_group_name"]
        self.log_stream_name = fields["log_stream_name"]
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + fields["timeout_s"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load(module: str, attr: str) -> Any:
    """The handler: `module` is a dotted name, or a file path for code that is not a package."""
    if module.endswith(".py"):
        file = Path(module)
        name = f"loket_local_fn_{file.parent.name}_{file.stem}"
        spec = importlib.util.spec_from_file_location(name, file)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {file}")
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[name] = loaded
        spec.loader.exec_module(loaded)
    else:
        loaded = importlib.import_module(module)
    return getattr(loaded, attr)


def _error(exc: BaseException, kind: str | None = None) -> dict[str, str]:
    return {"error": f"{kind or type(exc).__name__}: {exc}", "trace": traceback.format_exc()}


def serve(connection: Connection, module: str, attr: str) -> None:
    try:
        handler = load(module, attr)
    except BaseException as exc:  # an init error is reported on every invocation, as Lambda does
        connection.send_bytes(json.dumps({"init_error": _error(exc, "Runtime.ImportModuleError")}).encode())
        return
    connection.send_bytes(json.dumps({"ready": True}).encode())
    while True:
        try:
            request = json.loads(connection.recv_bytes())
        except (EOFError, OSError):
            return  # the stack closed the connection: this environment is done
        try:
            result = handler(request["event"], LambdaContext(request["context"]))
        except Exception as exc:
            answer = _error(exc)
        else:
            try:
                answer = {"result": json.loads(json.dumps(result))}
            except (TypeError, ValueError) as exc:
                answer = _error(exc, "Runtime.MarshalError")
        sys.stdout.flush()
        connection.send_bytes(json.dumps(answer).encode())


def main() -> int:
    # Ctrl-C in a terminal reaches every process of its group: the stack ends its environments itself, after the
    # invocations they run have finished (an interrupt here would cut a mail's processing short)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fd, module, attr = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    serve(Connection(fd), module, attr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
