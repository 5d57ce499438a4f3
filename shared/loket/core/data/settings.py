"""The data layer's settings: the one table, and the group a ticket without one lands in."""

from __future__ import annotations

from dataclasses import dataclass

from loket.platform.config import EnvSettings


@dataclass(frozen=True, kw_only=True)
class DataSettings(EnvSettings):
    table_name: str
    default_group: str = "support"
