"""Call the web form handler with the events in events/web_form, changed per test (moto for AWS)."""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from urllib3 import encode_multipart_formdata

from functions.web_form import app as web_form_app
from loket.core.data.models import bind_data
from loket.platform.aws import reset as reset_platform
from tests.conftest import load_event

BUCKET = "loket-test-attachments"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
GOOD = {
    "name": "Budi Santoso",
    "email": "budi@example.co.id",
    "subject": "Tidak bisa masuk ke akun",
    "category": "account",
    "message": "Sejak kemarin saya tidak bisa masuk.\nMohon bantuannya.",
}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)

    def form_token(self) -> str:
        match = re.search(r'name="form_token" value="([^"]+)"', self.text)
        assert match, "the page has no form token"
        return html.unescape(match.group(1))

    def link(self, pattern: str) -> str:
        match = re.search(rf'href="({pattern}[^"]*)"', self.text)
        assert match, f"no link matching {pattern}"
        return html.unescape(match.group(1))


def status_parts(href: str) -> tuple[str, dict[str, str]]:
    """`status/LKT-3?t=...&lang=id` (or an absolute URL) -> ("LKT-3", {"t": ..., "lang": ...})."""
    parts = urlsplit(href)
    ref = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return ref, {k: v[0] for k, v in parse_qs(parts.query).items()}


class Web:
    """A browser-shaped client of the handler: fills events from events/web_form and reads the reply."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.ip = "203.0.113.7"

    def call(self, event: dict[str, Any]) -> Reply:
        event["requestContext"]["http"]["sourceIp"] = self.ip
        raw = web_form_app.lambda_handler(event, self.context)
        body = raw.get("body") or ""
        if raw.get("isBase64Encoded"):
            body = base64.b64decode(body).decode()
        headers = {k.lower(): v for k, v in (raw.get("headers") or {}).items()}
        return Reply(raw["statusCode"], headers, body)

    @staticmethod
    def _headers(event: dict[str, Any], headers: dict[str, str | None] | None) -> None:
        for name, value in (headers or {}).items():
            if value is None:
                event["headers"].pop(name, None)
            else:
                event["headers"][name] = value

    @staticmethod
    def _query(event: dict[str, Any], query: dict[str, str] | None) -> None:
        if query is None:
            event.pop("queryStringParameters", None)
            event["rawQueryString"] = ""
        else:
            event["queryStringParameters"] = query
            event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())

    def get_form(self, query: dict[str, str] | None = None, headers: dict[str, str | None] | None = None) -> Reply:
        event = load_event("web_form/get_form.json")
        self._query(event, query)
        self._headers(event, headers)
        return self.call(event)

    def post_form(
        self,
        fields: dict[str, str] | None = None,
        files: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
        token: str | None = "fresh",
        raw_body: bytes | None = None,
        content_type: str | None = None,
        headers: dict[str, str | None] | None = None,
    ) -> Reply:
        event = load_event("web_form/post_form.json")
        if raw_body is None:
            values: list[tuple[str, Any]] = list((GOOD if fields is None else fields).items())
            if token == "fresh":
                token = self.get_form().form_token()
            if token is not None:
                values.append(("form_token", token))
            values += [("attachments", f) for f in files]
            raw_body, content_type = encode_multipart_formdata(values)
        event["body"] = base64.b64encode(raw_body).decode()
        event["isBase64Encoded"] = True
        event["headers"]["content-type"] = content_type or "application/octet-stream"
        self._headers(event, headers)
        return self.call(event)

    def post_json(
        self, body: Any = None, raw: str | None = None, headers: dict[str, str | None] | None = None
    ) -> Reply:
        event = load_event("web_form/post_public_ticket.json")
        if body is not None:
            event["body"] = json.dumps(body)
        if raw is not None:
            event["body"] = raw
        self._headers(event, headers)
        return self.call(event)

    def _status_event(self, name: str, ref: str, token: str | None, lang: str = "en") -> dict[str, Any]:
        event = load_event(f"web_form/{name}.json")
        path = f"/status/{ref}"
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
        event["pathParameters"] = {"ticket": ref}
        self._query(event, {"lang": lang, **({"t": token} if token is not None else {})})
        return event

    def status(self, ref: str, token: str | None, lang: str = "en") -> Reply:
        return self.call(self._status_event("get_status", ref, token, lang))

    def reply(
        self,
        ref: str,
        token: str | None,
        message: str = "Thanks, it works again.",
        form_token: str | None = "fresh",
        files: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
    ) -> Reply:
        if form_token == "fresh":
            form_token = self.status(ref, token).form_token()
        values: list[tuple[str, Any]] = [("lang", "en"), ("message", message)]
        if form_token is not None:
            values.append(("form_token", form_token))
        values += [("attachments", f) for f in files]
        body, content_type = encode_multipart_formdata(values)
        event = self._status_event("post_status", ref, token)
        event["body"] = base64.b64encode(body).decode()
        event["headers"]["content-type"] = content_type
        return self.call(event)

    def attachment(self, ref: str, token: str | None, entry: str, index: str) -> Reply:
        event = load_event("web_form/get_attachment.json")
        path = f"/status/{ref}/attachments/{entry}/{index}"
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
        event["pathParameters"] = {"ticket": ref, "entry": entry, "index": index}
        self._query(event, {"t": token} if token is not None else None)
        return self.call(event)


@pytest.fixture
def web_settings(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment of the function; tests change entries before asking for `web`."""
    values = {
        "ATTACHMENTS_BUCKET": BUCKET,
        "WEB_MIN_FILL_SECONDS": "0",
        "WEB_ALLOWED_ORIGINS": "https://www.example.com",
        "DEFAULT_LANGUAGE": "id",
    }
    return values


@pytest.fixture
def web(aws: None, lambda_context: Any, monkeypatch: pytest.MonkeyPatch, web_settings: dict[str, str]) -> Iterator[Web]:
    for name, value in web_settings.items():
        monkeypatch.setenv(name, value)
    reset_platform()
    bind_data()
    reset_platform()
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    yield Web(lambda_context)
    reset_platform()
