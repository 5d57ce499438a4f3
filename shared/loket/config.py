"""Settings from the environment, read once per process and validated. Nothing else reads os.environ."""

from __future__ import annotations

import json
import os
from functools import lru_cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    table_name: str = Field(min_length=1)
    region: str = "us-east-1"
    default_group: str = "support"
    stage: str = "prod"
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

    @property
    def sender_address(self) -> str:
        return self.mail_from_address or self.support_address


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = os.environ
    return Settings(
        table_name=env.get("TABLE_NAME", ""),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        default_group=env.get("DEFAULT_GROUP", "support"),
        stage=env.get("STAGE", "prod"),
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
