"""The JSON body of `POST /v1/public/tickets` (for sites that embed their own form).

Only the shape is checked here; the rules (required fields, lengths, email, category, files) are the
same `loket.channels.web.forms` checks the hosted form uses, so both report the same problems.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class PublicAttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=150)
    content_type: str = Field(default="application/octet-stream", max_length=100)
    content_base64: str = Field(description="The file's bytes, base64-encoded")


class PublicTicketIn(BaseModel):
    """A customer's request. A requester cannot set priority, assignee, group or tags (they are not fields)."""

    model_config = ConfigDict(extra="forbid")

    name: str = ""
    email: str = ""
    subject: str = ""
    category: str = ""
    message: str = ""
    attachments: list[PublicAttachmentIn] = Field(default_factory=list, max_length=20)
    website: str = Field(default="", description="Honeypot: leave empty (a person never fills it)")
    lang: str | None = Field(default=None, description="id or en; else Accept-Language decides")
