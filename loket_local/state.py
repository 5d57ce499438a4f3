"""State that survives a restart: the data in moto, dumped into the state folder and loaded back on start.

moto keeps everything in memory, so the local stack saves what matters every few seconds and on shutdown:
table items, bucket objects, queued messages, the SSM values it generated, and the mail Loket sent (the outbox).
Resources are keyed by their logical id (moto's physical names change on every start). This is development
tooling: a Scan here is fine (the rule against Scan is about the product's code).
"""

from __future__ import annotations

import base64
import email
import email.policy
import email.utils
import hashlib
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from loket_local.aws import EmbeddedAws

log = logging.getLogger("local-stack")

MARKER = "state.json"


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$b64"}:
            return base64.b64decode(value["$b64"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


class Outbox:
    """Every mail Loket sent through SES (what moto's SES recorded), kept across restarts, newest first."""

    def __init__(self, aws: EmbeddedAws, saved: list[dict[str, Any]] | None = None) -> None:
        self.aws = aws
        self.items: list[dict[str, Any]] = list(saved or [])
        self._seen = 0
        self._lock = threading.Lock()

    def refresh(self) -> None:
        from moto.ses.models import ses_backends

        with self._lock:
            with self.aws.lock:  # moto appends to this list while it serves requests
                sent = list(ses_backends[self.aws.account][self.aws.region].sent_messages)
            for message in sent[self._seen :]:
                self.items.append(mail_view(message))
            self._seen = len(sent)

    def mails(self) -> list[dict[str, Any]]:
        self.refresh()
        return list(reversed(self.items))


def mail_view(message: Any) -> dict[str, Any]:
    """One sent mail as the outbox shows it: addresses, headers, text and HTML bodies, attachment names."""
    observed = email.utils.format_datetime(email.utils.localtime())
    view: dict[str, Any] = {
        "id": getattr(message, "id", ""),
        "source": getattr(message, "source", ""),
        "observed_at": observed,
    }
    raw = getattr(message, "raw_data", None)
    if raw is not None:
        parsed = email.message_from_bytes(raw.encode() if isinstance(raw, str) else raw, policy=email.policy.default)
        text = html = None
        attachments = []
        for part in parsed.walk():
            if part.is_multipart():
                continue
            disposition = part.get_content_disposition()
            kind = part.get_content_type()
            if disposition == "attachment" or part.get_filename():
                attachments.append(
                    {
                        "filename": part.get_filename(),
                        "content_type": kind,
                        "size": len(part.get_payload(decode=True) or b""),
                    }
                )
            elif kind == "text/plain" and text is None:
                text = part.get_content()
            elif kind == "text/html" and html is None:
                html = part.get_content()
        view.update(
            date=str(parsed.get("Date", observed)),
            subject=str(parsed.get("Subject", "")),
            sender=str(parsed.get("From", view["source"])),
            to=[str(a) for a in parsed.get_all("To", [])],
            destinations=list(getattr(message, "destinations", None) or []),
            headers=[[k, str(v)] for k, v in parsed.items()],
            text=text,
            html=html,
            attachments=attachments,
        )
        return view
    destinations = getattr(message, "destinations", {}) or {}
    to = destinations.get("ToAddresses", []) if isinstance(destinations, dict) else list(destinations)
    body = getattr(message, "body", None)
    view.update(
        date=observed,
        subject=str(getattr(message, "subject", getattr(message, "template", ""))),
        sender=view["source"],
        to=to,
        headers=[["From", view["source"]], ["To", ", ".join(to)], ["Subject", str(getattr(message, "subject", ""))]],
        text=body,
        html=None,
        attachments=[],
        template_data=getattr(message, "template_data", None),
    )
    return view


class StateStore:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._s3_etags: dict[str, dict[str, str]] = {}

    @property
    def fresh(self) -> bool:
        """Nothing saved yet: the first start (demo data gets created)."""
        return not (self.dir / MARKER).exists()

    def read(self, name: str, default: Any) -> Any:
        path = self.dir / name
        if not path.exists():
            return default
        return _decode(json.loads(path.read_text()))

    def write(self, name: str, data: Any) -> None:
        path = self.dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(_encode(data), indent=None, default=str))
        os.replace(tmp, path)

    # ------------------------------------------------------------------ save
    def save(self, aws: EmbeddedAws, outbox: Outbox) -> None:
        with self._lock:
            begin = time.monotonic()
            ddb = aws.client("dynamodb")
            for logical, table in aws.tables().items():
                items: list[dict[str, Any]] = []
                for page in ddb.get_paginator("scan").paginate(TableName=table):
                    items.extend(page.get("Items", []))
                self.write(f"dynamodb/{logical}.json", items)
            self._save_buckets(aws)
            self.write("sqs.json", self._queue_messages(aws))
            self.write("ssm.json", aws.secrets_store)
            outbox.refresh()
            self.write("outbox.json", outbox.items)
            self.write(MARKER, {"saved_at": time.time(), "took_ms": int((time.monotonic() - begin) * 1000)})

    def _save_buckets(self, aws: EmbeddedAws) -> None:
        s3 = aws.client("s3")
        for logical, bucket in aws.buckets().items():
            folder = self.dir / "s3" / logical
            folder.mkdir(parents=True, exist_ok=True)
            manifest = self.read(f"s3/{logical}.json", {})
            known = self._s3_etags.setdefault(logical, {k: v.get("etag", "") for k, v in manifest.items()})
            current: dict[str, Any] = {}
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for obj in page.get("Contents", []):
                    key, etag = obj["Key"], obj["ETag"]
                    file = hashlib.sha256(key.encode()).hexdigest()
                    entry = manifest.get(key)
                    if known.get(key) != etag or entry is None:
                        got = s3.get_object(Bucket=bucket, Key=key)
                        (folder / file).write_bytes(got["Body"].read())
                        entry = {
                            "file": file,
                            "etag": etag,
                            "content_type": got.get("ContentType"),
                            "metadata": got.get("Metadata") or {},
                        }
                        known[key] = etag
                    current[key] = entry
            for key, entry in manifest.items():
                if key not in current:
                    (folder / entry["file"]).unlink(missing_ok=True)
                    known.pop(key, None)
            self.write(f"s3/{logical}.json", current)

    @staticmethod
    def _queue_messages(aws: EmbeddedAws) -> dict[str, list[dict[str, Any]]]:
        from moto.sqs.models import sqs_backends

        backend = sqs_backends[aws.account][aws.region]
        out: dict[str, list[dict[str, Any]]] = {}
        with aws.lock:  # moto changes these lists while it serves requests
            for logical, url in aws.queues().items():
                queue = backend.queues.get(url.rstrip("/").rsplit("/", 1)[-1])
                if queue is None:
                    continue
                out[logical] = [
                    {
                        "body": m.body,
                        "attributes": m.message_attributes,
                        "group_id": m.group_id,
                        "deduplication_id": m.deduplication_id,
                    }
                    for m in list(queue._messages)
                ]
        return out

    # ------------------------------------------------------------------ load
    def load(self, aws: EmbeddedAws) -> dict[str, int]:
        """Put saved data back into a freshly provisioned moto (before any poller or pipe starts)."""
        counts = {"items": 0, "objects": 0, "messages": 0}
        ddb = aws.client("dynamodb")
        for logical, table in aws.tables().items():
            items = self.read(f"dynamodb/{logical}.json", [])
            for start in range(0, len(items), 25):
                requests = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
                pending: dict[str, Any] = {table: requests}
                while pending:
                    pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            counts["items"] += len(items)
        s3 = aws.client("s3")
        for logical, bucket in aws.buckets().items():
            manifest = self.read(f"s3/{logical}.json", {})
            for key, entry in manifest.items():
                path = self.dir / "s3" / logical / entry["file"]
                if path.exists():
                    extra = {"ContentType": entry["content_type"]} if entry.get("content_type") else {}
                    s3.put_object(
                        Bucket=bucket, Key=key, Body=path.read_bytes(), Metadata=entry.get("metadata") or {}, **extra
                    )
                    counts["objects"] += 1
        sqs = aws.client("sqs")
        queues = aws.queues()
        for logical, messages in self.read("sqs.json", {}).items():
            if logical not in queues:
                continue
            for message in messages:
                args: dict[str, Any] = {"QueueUrl": queues[logical], "MessageBody": message["body"]}
                if message.get("attributes"):
                    args["MessageAttributes"] = message["attributes"]
                if message.get("group_id"):
                    args["MessageGroupId"] = message["group_id"]
                if message.get("deduplication_id"):
                    args["MessageDeduplicationId"] = message["deduplication_id"]
                sqs.send_message(**args)
                counts["messages"] += 1
        return counts
