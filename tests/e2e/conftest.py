"""The local stack in-process on free ports with a temporary state folder, and a small HTTP client for it."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from loket_local.settings import LocalSettings
from loket_local.stack import LocalStack

ROOT = Path(__file__).resolve().parent.parent.parent
# Debian's Chromium (Playwright's own browser download is not used), with its background traffic off
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip
FIXTURES = Path(__file__).resolve().parent / "fixtures"
T = TypeVar("T")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http(
    stack: LocalStack,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """A real HTTP request to the stack's gateway."""
    data = None if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = {"Accept": "application/json", **({"Content-Type": "application/json"} if data else {}), **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(stack.http_url + path, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


def eventually(probe: Callable[[], T | None], timeout: float = 45.0, every: float = 0.2) -> T:
    """Wait until `probe` returns something truthy (asynchronous paths: queues, async invocations)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting after {timeout} s; last value {value!r}")
        time.sleep(every)


class ManualClock:
    """A clock the test moves by hand, so schedules fire without waiting for the wall clock."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def start_stack(
    state_dir: Path,
    template: Path = ROOT / "template.yaml",
    clock: Callable[[], dt.datetime] | None = None,
    seed: bool = False,
) -> LocalStack:
    settings = LocalSettings(
        template=template,
        state_dir=state_dir,
        http_port=0,
        smtp_port=0,
        seed=seed,
        frontend_dir=ROOT / "frontend",
        events_dir=ROOT / "events",
    )
    stack = LocalStack(settings, clock=clock) if clock else LocalStack(settings)
    return stack.start()


class SharedStack:
    """One stack from template.yaml for every test module of a test process that can share it (each xdist worker
    has its own). moto's backends are process-wide, so a module that starts stacks of its own first stops it; the
    next module that wants it starts it again."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.stack: LocalStack | None = None

    def get(self) -> LocalStack:
        if self.stack is None:
            self.stack = start_stack(self.factory.mktemp("local-state"))
        return self.stack

    def stop(self) -> None:
        if self.stack is not None:
            stack, self.stack = self.stack, None
            stack.stop()


@pytest.fixture(scope="session")
def shared_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedStack]:
    holder = SharedStack(tmp_path_factory)
    yield holder
    holder.stop()


@pytest.fixture(scope="module")
def local_stack(shared_stack: SharedStack) -> LocalStack:
    """The whole system from template.yaml, shared by the modules of this test process."""
    return shared_stack.get()


@pytest.fixture(scope="module")
def dev_directory(local_stack: LocalStack) -> LocalStack:
    """The shared stack with the demo's groups and agents in its directory (the development users among them, with
    their subjects), made through the admin API as `make run` makes them; a second call finds them there."""
    from loket_local import demo

    demo.directory(local_stack)
    return local_stack


@pytest.fixture(scope="module")
def own_stacks(shared_stack: SharedStack) -> None:
    """For a module that starts stacks of its own: the shared one stops first (one moto per process)."""
    shared_stack.stop()


@pytest.fixture(autouse=True)
def aws_env() -> None:
    """Replaces the suite's per-test fake-AWS environment here: the stack's functions run in processes of their own
    with the template's environment, and the stack's clients carry their own endpoint and credentials."""


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium from Debian's package (`make browser` installs it; `make test` runs that first)."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is missing: run `make browser` (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh console tab (English, desktop size); the test fails if the page raised a JavaScript error."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"the console raised JavaScript errors: {errors}"
