"""Hooks on botocore's event system for tests: see every AWS call, or run something just before one.

moto's in-process backends are not thread-safe, so races are staged deterministically instead of with
threads: `before_first` runs a competing request at the exact moment between our read and our write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import botocore.session
import pytest

from loket.core.data.models import _TableMeta, configure


@contextmanager
def on_dynamodb_call(monkeypatch: pytest.MonkeyPatch, handler: Callable[..., None]) -> Iterator[None]:
    """Register `handler(model=..., params=...)` as a before-call hook on every DynamoDB client made from now."""
    original = botocore.session.Session.create_client

    def create_client(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        client = original(self, service_name, *args, **kwargs)
        if service_name == "dynamodb":
            client.meta.events.register("before-call.dynamodb", handler)
        return client

    monkeypatch.setattr(botocore.session.Session, "create_client", create_client)
    configure(_TableMeta.table_name, _TableMeta.region)  # drop cached connections: new clients carry the hook
    yield


@contextmanager
def before_first(monkeypatch: pytest.MonkeyPatch, operation: str, competitor: Callable[[], Any]) -> Iterator[list[Any]]:
    """Run `competitor()` once, right before the first `operation` call (e.g. "TransactWriteItems")."""
    results: list[Any] = []
    state = {"fired": False}

    def handler(model: Any, **_: Any) -> None:
        if model.name == operation and not state["fired"]:
            state["fired"] = True
            results.append(competitor())

    with on_dynamodb_call(monkeypatch, handler):
        yield results
    assert state["fired"], f"no {operation} call happened"


@contextmanager
def on_dynamodb_response(monkeypatch: pytest.MonkeyPatch, handler: Callable[..., None]) -> Iterator[None]:
    """Register `handler(model=..., parsed=...)` as an after-call hook on every DynamoDB client made from now: it
    sees each response as botocore parsed it (the items read)."""
    original = botocore.session.Session.create_client

    def create_client(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        client = original(self, service_name, *args, **kwargs)
        if service_name == "dynamodb":
            # once per emitter, however many clients share it
            client.meta.events.register("after-call.dynamodb", handler, unique_id=f"response-{id(handler)}")
        return client

    monkeypatch.setattr(botocore.session.Session, "create_client", create_client)
    configure(_TableMeta.table_name, _TableMeta.region)
    yield
