"""The local scheduler's reading of EventBridge schedule expressions (rate, cron with its wildcards, at)."""

from __future__ import annotations

import datetime as dt

import pytest

from loket_local.schedules import Trigger
from loket_local.template import Schedule

UTC = dt.UTC
START = dt.datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # a Monday


def fires(expression: str, upto: dt.datetime, timezone: str = "UTC", after: dt.datetime = START) -> list[str]:
    schedule = Schedule("S", expression, timezone, None, None, True, "scheduler")
    trigger = Trigger.of(schedule, "F", after)
    return [t.strftime("%Y-%m-%d %H:%M") for t in trigger.due(after, upto)]


def test_rate_minutes_counts_from_start() -> None:
    assert fires("rate(15 minutes)", START + dt.timedelta(minutes=46)) == [
        "2026-11-30 00:15",
        "2026-11-30 00:30",
        "2026-11-30 00:45",
    ]


def test_cron_weekdays_at_nine_in_jakarta_is_two_utc() -> None:
    week = fires("cron(0 9 ? * MON-FRI *)", START + dt.timedelta(days=7), "Asia/Jakarta")

    assert week == ["2026-11-30 02:00", "2026-12-01 02:00", "2026-12-02 02:00", "2026-12-03 02:00", "2026-12-04 02:00"]


def test_cron_every_fifteen_minutes_with_slash() -> None:
    assert fires("cron(0/15 * * * ? *)", START + dt.timedelta(minutes=31)) == ["2026-11-30 00:15", "2026-11-30 00:30"]


def test_cron_last_day_of_month() -> None:
    assert fires("cron(0 12 L * ? *)", START + dt.timedelta(days=40)) == ["2026-11-30 12:00", "2026-12-31 12:00"]


def test_cron_last_friday_and_first_monday_of_month() -> None:
    assert fires("cron(0 10 ? * 6L *)", START + dt.timedelta(days=31)) == ["2026-12-25 10:00"]
    assert fires("cron(0 10 ? * 2#1 *)", START + dt.timedelta(days=31)) == ["2026-12-07 10:00"]


def test_at_fires_once_in_its_time_zone() -> None:
    assert fires("at(2026-12-01T09:30:00)", START + dt.timedelta(days=3), "Asia/Jakarta") == ["2026-12-01 02:30"]


@pytest.mark.parametrize("expression", ["rate(5 seconds)", "cron(0 9 * *)", "every day", "cron(0 9 1W * ? *)"])
def test_unsupported_or_malformed_expression_is_rejected(expression: str) -> None:
    with pytest.raises(ValueError):
        fires(expression, START + dt.timedelta(days=1))
