"""What applying a macro reads from the environment: where status links point, and their language."""

from __future__ import annotations

from dataclasses import dataclass

from loket.platform.config import EnvSettings


@dataclass(frozen=True, kw_only=True)
class MacroSettings(EnvSettings):
    public_base_url: str = ""  # the base of {{status_link}}; empty: the API's own address (it serves /status too)
    default_language: str = "id"  # the status page's language for customers without a recorded one

    def __post_init__(self) -> None:
        object.__setattr__(self, "public_base_url", self.public_base_url.rstrip("/"))
