"""The SLA feature's settings: the days of its time-based automations (`loket.features.sla.automation`), from the
environment (the template sets them; these are the defaults)."""

from __future__ import annotations

from dataclasses import dataclass

from loket.platform.config import EnvSettings


@dataclass(frozen=True, kw_only=True)
class AutomationSettings(EnvSettings):
    auto_close_days: int = 4  # a resolved ticket closes after this many days
    pending_reminder_days: int = 3  # a pending ticket's customer is reminded after this many days
    pending_resolve_days: int = 4  # and the ticket resolves this many days after the reminder without a reply

    def __post_init__(self) -> None:
        for name in ("auto_close_days", "pending_reminder_days", "pending_resolve_days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.upper()} must be at least 1 day")
