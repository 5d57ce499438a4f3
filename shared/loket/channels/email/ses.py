"""What the SES receipt event tells the inbound function, as a plain value (no Powertools types past here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PASS, FAIL = "PASS", "FAIL"


@dataclass(frozen=True)
class SesNotice:
    """One received mail: the SES id (also the S3 object name under the rule's prefix), envelope and verdicts."""

    ses_message_id: str
    source: str = ""  # envelope MAIL FROM ("" or "<>" for bounces)
    recipients: list[str] = field(default_factory=list)  # envelope RCPT TO that matched the rule
    timestamp: str = ""
    spam: str = ""
    virus: str = ""
    spf: str = ""
    dkim: str = ""
    dmarc: str = ""
    dmarc_policy: str | None = None
    # from the notification's parsed headers: only used when the raw mail itself cannot be read
    subject: str = ""
    header_from: list[str] = field(default_factory=list)
    header_message_id: str = ""

    @property
    def virus_failed(self) -> bool:
        return self.virus.upper() == FAIL

    @property
    def spam_failed(self) -> bool:
        return self.spam.upper() == FAIL

    @property
    def dmarc_failed(self) -> bool:
        return self.dmarc.upper() == FAIL

    def verdicts(self) -> dict[str, Any]:
        found = {"spam": self.spam, "virus": self.virus, "spf": self.spf, "dkim": self.dkim, "dmarc": self.dmarc}
        verdicts: dict[str, Any] = {k: v for k, v in found.items() if v}
        if self.dmarc_policy:
            verdicts["dmarc_policy"] = self.dmarc_policy
        return verdicts


def _status(receipt: dict[str, Any], name: str) -> str:
    value = receipt.get(name)
    return str(value.get("status") or "") if isinstance(value, dict) else ""


def notice_from_record(record: dict[str, Any]) -> SesNotice:
    """A notice from one `Records[]` entry of the SES Lambda action event (missing fields are tolerated)."""
    ses = record.get("ses") or {}
    mail = ses.get("mail") or {}
    receipt = ses.get("receipt") or {}
    common = mail.get("commonHeaders") or {}
    return SesNotice(
        ses_message_id=str(mail.get("messageId") or ""),
        source=str(mail.get("source") or ""),
        recipients=[str(r) for r in receipt.get("recipients") or mail.get("destination") or []],
        timestamp=str(mail.get("timestamp") or receipt.get("timestamp") or ""),
        spam=_status(receipt, "spamVerdict"),
        virus=_status(receipt, "virusVerdict"),
        spf=_status(receipt, "spfVerdict"),
        dkim=_status(receipt, "dkimVerdict"),
        dmarc=_status(receipt, "dmarcVerdict"),
        dmarc_policy=receipt.get("dmarcPolicy"),
        subject=str(common.get("subject") or ""),
        header_from=[str(f) for f in common.get("from") or []],
        header_message_id=str(common.get("messageId") or ""),
    )
