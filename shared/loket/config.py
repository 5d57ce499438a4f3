"""Settings from the environment, read once per process and validated. Nothing else reads os.environ."""

from __future__ import annotations

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
