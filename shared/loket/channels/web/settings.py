"""The web form and status page's settings (public routes): WEB_* limits, CORS origins, links, language."""

from __future__ import annotations

from dataclasses import dataclass, field

from loket.platform.config import EnvSettings


@dataclass(frozen=True, kw_only=True)
class WebSettings(EnvSettings):
    public_base_url: str = ""  # e.g. https://help.example.com; empty = the API's own domain
    web_allowed_origins: list[str] = field(default_factory=list)  # CORS for POST /v1/public/tickets
    web_categories: list[str] = field(default_factory=lambda: ["general", "billing", "technical", "account"])
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
    default_language: str = "id"  # pages without ?lang= or Accept-Language

    def __post_init__(self) -> None:
        object.__setattr__(self, "public_base_url", self.public_base_url.rstrip("/"))
        object.__setattr__(self, "web_allowed_origins", [origin.rstrip("/") for origin in self.web_allowed_origins])
