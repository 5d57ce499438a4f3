"""Reading the SES receipt event into a notice."""

from __future__ import annotations

from loket.channels.email.ses import notice_from_record
from tests.conftest import load_event


def test_notice_from_sample_event_reads_ids_envelope_and_verdicts() -> None:
    record = load_event("inbound_email/dmarc_fail.json")["Records"][0]

    notice = notice_from_record(record)

    assert notice.ses_message_id == record["ses"]["mail"]["messageId"]
    assert notice.source == "budi.santoso@example.org"
    assert notice.recipients == ["support@example.com"]
    assert notice.dmarc_failed and not notice.spam_failed and not notice.virus_failed
    assert notice.verdicts()["dmarc_policy"] == "reject"


def test_notice_from_record_missing_everything_is_empty_not_an_error() -> None:
    notice = notice_from_record({})

    assert notice.ses_message_id == ""
    assert notice.verdicts() == {}
