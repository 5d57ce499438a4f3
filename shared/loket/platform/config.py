"""Settings from the environment, read once per process and validated. Nothing else reads os.environ."""

from __future__ import annotations

import json
import os
import typing
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field, field_validator


class Settings(BaseModel):
    table_name: str = Field(min_length=1)
    region: str = "us-east-1"
    default_group: str = "support"
    stage: str = "prod"
    # web form and status page (public routes)
    public_base_url: str = ""  # e.g. https://help.example.com; empty = the API's own domain
    web_allowed_origins: list[str] = Field(default_factory=list)  # CORS for POST /v1/public/tickets
    web_categories: list[str] = Field(default_factory=lambda: ["general", "billing", "technical", "account"])
    web_max_attachments: int = 3
    web_max_attachment_bytes: int = 2 * 1024 * 1024
    web_max_body_bytes: int = 4 * 1024 * 1024  # under Lambda's 6 MB payload once base64-encoded
    web_ip_limit: int = 10  # tickets per source IP per window
    web_email_limit: int = 5  # tickets per sender per window
    web_reply_limit: int = 30  # status-page replies per source IP per window
    web_rate_window_seconds: int = 3600
    web_min_fill_seconds: int = 3  # a form sent faster than this is flagged, not refused
    web_max_links: int = 3  # more links than this in subject + message is flagged
    web_form_max_age_seconds: int = 24 * 3600
    signing_secret_param: str = ""
    signing_secret: str = ""
    # tokens of a replaced signing key (links and reply addresses already mailed) verify this long after it
    signing_grace_days: int = Field(default=90, ge=0)
    attachments_bucket: str = ""
    # agents' files for replies and notes (POST /v1/uploads): a raw upload stays under Lambda's 6 MB request
    # payload once base64-encoded; one entry's files stay under SES's 10 MB message once mailed
    agent_upload_max_bytes: int = 4 * 1024 * 1024
    agent_entry_max_bytes: int = 6 * 1024 * 1024
    agent_entry_max_files: int = 5
    support_address: str = "support@example.com"
    # inbound mail: where the SES S3 action puts raw mail, and the caps applied while reading it
    mail_bucket: str = ""
    mail_prefix: str = "inbound/"
    mail_max_bytes: int = 40 * 1024 * 1024
    mail_max_attachments: int = 25
    mail_max_attachment_bytes: int = 15 * 1024 * 1024
    mail_sender_burst_limit: int = 10
    mail_sender_burst_window_seconds: int = 600
    # outbound mail (notifier): the From of every mail Loket sends (defaults to the support address)
    mail_from_address: str = ""
    mail_from_name: str = "Loket Support"
    default_language: str = "id"  # customers without a recorded language, and agent notices
    ses_region: str = ""  # SES may live in another region than the functions; empty = region
    idempotency_table: str = ""
    notify_idempotency_seconds: int = 5 * 24 * 3600
    # agent id (the JWT subject) -> email, for assignment notices: JSON object in AGENT_DIRECTORY
    agent_directory: dict[str, str] = Field(default_factory=dict)
    # at most this many acknowledgements per requester address per hour (a guard against mail loops)
    ack_limit_per_hour: int = 5

    @field_validator("public_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("web_allowed_origins")
    @classmethod
    def _origins_without_trailing_slash(cls, value: list[str]) -> list[str]:
        return [origin.rstrip("/") for origin in value]

    @property
    def sender_address(self) -> str:
        return self.mail_from_address or self.support_address


def _from_environment(env: Mapping[str, str]) -> dict[str, Any]:
    """Each field from the variable of its name in upper case (TABLE_NAME, WEB_IP_LIMIT...).

    Lists are comma-separated, mappings are JSON objects, numbers are validated by the model;
    an empty variable leaves a list, mapping or number at its default.
    """
    values: dict[str, Any] = {}
    for name, field in Settings.model_fields.items():
        raw = env.get(name.upper())
        if raw is None:
            continue
        kind = typing.get_origin(field.annotation) or field.annotation
        if kind is str:
            values[name] = raw
        elif not raw.strip():
            continue
        elif kind is list:
            values[name] = [item.strip() for item in raw.split(",") if item.strip()]
        elif kind is dict:
            values[name] = json.loads(raw)
        else:
            values[name] = raw
    values["region"] = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    return values


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings(**_from_environment(os.environ))


def reset() -> None:
    """Forget cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
    from loket.platform import signing

    signing.reset()
