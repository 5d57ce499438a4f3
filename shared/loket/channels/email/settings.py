"""The email channel's settings: inbound mail (the inbound_email function) and outbound mail (the notifier)."""

from __future__ import annotations

from dataclasses import dataclass

from loket.platform.config import EnvSettings


@dataclass(frozen=True, kw_only=True)
class InboundSettings(EnvSettings):
    support_address: str = "support@example.com"
    # where the SES S3 action puts raw mail, and the caps applied while reading it
    mail_bucket: str
    mail_prefix: str = "inbound/"
    mail_max_bytes: int = 40 * 1024 * 1024
    mail_max_attachments: int = 25
    mail_max_attachment_bytes: int = 15 * 1024 * 1024
    mail_sender_burst_limit: int = 10
    mail_sender_burst_window_seconds: int = 600


@dataclass(frozen=True, kw_only=True)
class NotifierSettings(EnvSettings):
    support_address: str = "support@example.com"
    # the From of every mail Loket sends (defaults to the support address)
    mail_from_address: str = ""
    mail_from_name: str = "Loket Support"
    default_language: str = "id"  # customers without a recorded language, and agent notices
    public_base_url: str = ""  # the base of status links in acknowledgements; empty: none
    ses_region: str = ""  # SES may live in another region than the functions; empty = the function's
    idempotency_table: str  # no mail is sent that cannot be de-duplicated
    notify_idempotency_seconds: int = 5 * 24 * 3600
    # at most this many acknowledgements per requester address per hour (a guard against mail loops)
    ack_limit_per_hour: int = 5

    def __post_init__(self) -> None:
        object.__setattr__(self, "public_base_url", self.public_base_url.rstrip("/"))

    @property
    def sender_address(self) -> str:
        return self.mail_from_address or self.support_address
