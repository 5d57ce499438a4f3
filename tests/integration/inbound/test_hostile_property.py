"""Property: hostile MIME delivered through the function never raises, and the raw mail stays reachable."""

from __future__ import annotations

import boto3
from hypothesis import HealthCheck, given, settings

from loket.core.data import tickets as repo
from tests.integration.inbound.conftest import MAIL_BUCKET, Deliver
from tests.unit.mail.hostile import hostile_mail


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=hostile_mail())
def test_hostile_mail_is_recorded_with_its_raw_original(deliver: Deliver, raw: bytes) -> None:
    delivered = deliver(raw)

    assert delivered.outcome in {"created", "added", "follow_up", "quarantined", "duplicate"}
    ticket = repo.get_ticket(delivered.ticket_id)
    assert ticket.channel == "email"
    if delivered.outcome != "duplicate":
        entry = next(
            e
            for e in repo.list_entries(ticket.ticket_id)
            if e.extra.get("mail", {}).get("ses_message_id") == delivered.ses_message_id
        )
        kept = entry.extra["mail"]["raw"]
        assert kept["bucket"] == MAIL_BUCKET
        assert boto3.client("s3").get_object(Bucket=MAIL_BUCKET, Key=kept["key"])["Body"].read() == raw
