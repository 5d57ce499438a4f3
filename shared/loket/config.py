"""Settings from the environment, read once per process and validated. Nothing else reads os.environ."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field


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
    attachments_bucket: str = ""
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

    @property
    def sender_address(self) -> str:
        return self.mail_from_address or self.support_address


_WEB_INTS = (
    "web_max_attachments",
    "web_max_attachment_bytes",
    "web_max_body_bytes",
    "web_ip_limit",
    "web_email_limit",
    "web_reply_limit",
    "web_rate_window_seconds",
    "web_min_fill_seconds",
    "web_max_links",
    "web_form_max_age_seconds",
)


def _web_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    """Web form settings given in the environment (WEB_IP_LIMIT=...); the rest keep their defaults."""
    values: dict[str, Any] = {name: int(env[name.upper()]) for name in _WEB_INTS if env.get(name.upper())}
    if env.get("WEB_CATEGORIES"):
        values["web_categories"] = [c.strip() for c in env["WEB_CATEGORIES"].split(",") if c.strip()]
    return values


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = os.environ
    return Settings(
        table_name=env.get("TABLE_NAME", ""),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        default_group=env.get("DEFAULT_GROUP", "support"),
        stage=env.get("STAGE", "prod"),
        public_base_url=env.get("PUBLIC_BASE_URL", "").rstrip("/"),
        web_allowed_origins=[o.strip().rstrip("/") for o in env.get("WEB_ALLOWED_ORIGINS", "").split(",") if o.strip()],
        **_web_overrides(env),
        signing_secret_param=env.get("SIGNING_SECRET_PARAM", ""),
        signing_secret=env.get("SIGNING_SECRET", ""),
        attachments_bucket=env.get("ATTACHMENTS_BUCKET", ""),
        support_address=env.get("SUPPORT_ADDRESS", "support@example.com"),
        mail_bucket=env.get("MAIL_BUCKET", ""),
        mail_prefix=env.get("MAIL_PREFIX", "inbound/"),
        mail_max_bytes=int(env.get("MAIL_MAX_BYTES", 40 * 1024 * 1024)),
        mail_max_attachments=int(env.get("MAIL_MAX_ATTACHMENTS", 25)),
        mail_max_attachment_bytes=int(env.get("MAIL_MAX_ATTACHMENT_BYTES", 15 * 1024 * 1024)),
        mail_sender_burst_limit=int(env.get("MAIL_SENDER_BURST_LIMIT", 10)),
        mail_sender_burst_window_seconds=int(env.get("MAIL_SENDER_BURST_WINDOW_SECONDS", 600)),
        mail_from_address=env.get("MAIL_FROM_ADDRESS", ""),
        mail_from_name=env.get("MAIL_FROM_NAME", "Loket Support"),
        default_language=env.get("DEFAULT_LANGUAGE", "id"),
        ses_region=env.get("SES_REGION", ""),
        idempotency_table=env.get("IDEMPOTENCY_TABLE", ""),
        notify_idempotency_seconds=int(env.get("NOTIFY_IDEMPOTENCY_SECONDS", 5 * 24 * 3600)),
        agent_directory=json.loads(env.get("AGENT_DIRECTORY") or "{}"),
        ack_limit_per_hour=int(env.get("ACK_LIMIT_PER_HOUR", 5)),
    )


@lru_cache(maxsize=1)
def bind_data() -> Settings:
    """Point the data layer at the configured table (once per process)."""
    from loket.data.models import configure

    settings = get_settings()
    configure(settings.table_name, settings.region)
    return settings


def reset() -> None:
    """Forget cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
    bind_data.cache_clear()
    from loket import signing

    signing.reset()
