"""The data layer's settings: the one table, and the group a ticket without one lands in."""

from __future__ import annotations

from pydantic import Field

from loket.platform.config import EnvSettings


class DataSettings(EnvSettings):
    table_name: str = Field(min_length=1)
    default_group: str = "support"
