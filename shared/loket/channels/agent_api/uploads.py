"""Files agents attach to replies and notes: uploaded first (POST /v1/uploads), then named by the entry.

An upload is the agent's own until an entry names it: only uploads (the `agent/` prefix) can be named, and only
by the agent who made them, so no entry can pull a customer's file from another ticket into a mail.

An upload is tagged `loket-upload=pending` and the bucket's lifecycle rule (template.yaml) deletes pending
uploads after two days; naming it in an entry retags it `attached` first, so a file is never deleted once an
entry points at it (a failed entry leaves an attached file behind: kept, never lost).
"""

from __future__ import annotations

import uuid
from urllib.parse import quote, unquote

from loket.channels.agent_api.settings import AgentApiSettings
from loket.core.domain.errors import InvalidRequest, PayloadTooLarge, ReferenceNotFound
from loket.core.domain.ticket import Actor, AttachmentRef
from loket.platform import attachments as storage
from loket.platform import config
from loket.platform.config import AttachmentSettings

_BY = "uploaded-by"
_NAME = "filename"
STATE_TAG = "loket-upload"
PENDING, ATTACHED = "pending", "attached"
_UPLOADS_OFF = "attachments are off: no attachments bucket is configured"


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.0f} MB"


def upload(data: bytes, filename: str, content_type: str, actor: Actor) -> AttachmentRef:
    """Keep an agent's file until a reply or note names it; returns the reference (its key names it)."""
    settings = config.load(AgentApiSettings)
    if not config.load(AttachmentSettings).attachments_bucket:
        raise InvalidRequest(_UPLOADS_OFF)
    if not data:
        raise InvalidRequest("the file is empty")
    if len(data) > settings.agent_upload_max_bytes:
        raise PayloadTooLarge(f"a file may be at most {_megabytes(settings.agent_upload_max_bytes)}")
    name = storage.clean_filename(filename)
    kind = content_type.strip().lower() or "application/octet-stream"
    key = f"{storage.PREFIXES['agent']}{uuid.uuid4().hex}/{storage.key_name(name)}"
    metadata = {_BY: quote(actor.id, safe=""), _NAME: quote(name, safe="")}
    storage.put(key, data, kind, filename=name, metadata=metadata, tags={STATE_TAG: PENDING})
    return AttachmentRef(key=key, filename=name, content_type=kind, size=len(data))


def for_entry(keys: list[str], actor: Actor) -> list[AttachmentRef]:
    """The uploads an entry names, checked (each exists and is this agent's; together they fit one mail) and
    marked attached."""
    settings = config.load(AgentApiSettings)
    wanted = list(dict.fromkeys(keys))
    if wanted and not config.load(AttachmentSettings).attachments_bucket:
        raise InvalidRequest(_UPLOADS_OFF)
    if len(wanted) > settings.agent_entry_max_files:
        raise InvalidRequest(f"attach at most {settings.agent_entry_max_files} files to one entry")
    refs = []
    for key in wanted:
        if not key.startswith(storage.PREFIXES["agent"]) or ".." in key:
            raise InvalidRequest(f"{key!r} is not an upload: POST the file to /v1/uploads first and use its key")
        stored = storage.head(key)
        if stored is None:
            raise ReferenceNotFound(f"upload {key!r} does not exist (uploads not attached within two days expire)")
        if unquote(stored.metadata.get(_BY, "")) != actor.id:
            raise InvalidRequest(f"upload {key!r} belongs to another agent")
        name = unquote(stored.metadata.get(_NAME, "")) or key.rsplit("/", 1)[-1]
        refs.append(AttachmentRef(key=key, filename=name, content_type=stored.content_type, size=stored.size))
    total = sum(ref.size for ref in refs)
    if total > settings.agent_entry_max_bytes:
        raise PayloadTooLarge(f"the files of one entry may add up to {_megabytes(settings.agent_entry_max_bytes)}")
    for ref in refs:  # all checked: from now on the lifecycle rule leaves them alone
        storage.tag(ref.key, {STATE_TAG: ATTACHED})
    return refs
