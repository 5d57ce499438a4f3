"""Calendars: validation messages, holidays from the `holidays` package (Indonesia by default, cuti bersama as a
category, estimated dates, subdivisions), custom closed and reopened dates, and the JSON form. Pure: no AWS."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from loket.core.domain.errors import Unprocessable
from loket.features.sla.calendar import Calendar, HolidaySource

JKT = ZoneInfo("Asia/Jakarta")
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")


def calendar_dict(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "jakarta",
        "time_zone": "Asia/Jakarta",
        "week": {d: [{"start": "08:00", "end": "17:00"}] for d in WORKDAYS},
    }
    return base | changes


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"time_zone": "/etc/localtime"}, "unknown time zone '/etc/localtime'"),
        ({"time_zone": 7}, "unknown time zone 7"),
        ({"week": {}}, "the week has no open hours"),
        ({"week": {"mon": []}}, "the week has no open hours"),
        ({"week": {"mon": ["09:00-12:00", "11:00-14:00"]}}, "mon: spans 09:00-12:00 and 11:00-14:00 overlap"),
        ({"week": {"tue": ["17:00-09:00"]}}, "tue: span 17:00-09:00 ends before it starts"),
        ({"week": {"wed": ["09:00-09:00"]}}, "wed: span 09:00-09:00 ends before it starts"),
        ({"week": {"thu": ["09:00-24:30"]}}, "thu: '24:30' is not a time of day"),
        ({"week": {"fri": ["9:00-17:00"]}}, "fri: '9:00' is not a time of day"),
        ({"week": {"fri": [{"start": "09:00"}]}}, "fri: None is not a time of day"),
        ({"week": {"fri": [42]}}, "fri: 42 is not a span"),
        ({"week": {"funday": ["09:00-17:00"]}}, "week: unknown day(s) funday"),
        ({"week": ["09:00-17:00"]}, "week: an object from weekday"),
        ({"name": ""}, "calendar name must be 1-100 characters"),
        ({"colour": "blue"}, "calendar: unknown field(s) colour"),
        ({"holidays": {"country": "XX"}}, "holidays: Country XX not available"),
        ({"holidays": {"country": "ID", "subdivision": "ZZ"}}, "does not have subdivision ZZ"),
        ({"holidays": {"country": "ID", "categories": ["bank"]}}, "Category is not supported: bank"),
        ({"holidays": {"country": "ID", "language": "fr"}}, "language 'fr' is not offered"),
        ({"closed_dates": [{"date": "2026-02-30"}]}, "closed_dates: '2026-02-30' is not a date"),
        ({"open_dates": ["tomorrow"]}, "open_dates: 'tomorrow' is not a date"),
        (
            {"closed_dates": [{"date": "2026-08-17", "name": "x"}], "open_dates": ["2026-08-17"]},
            "dates both closed and opened: 2026-08-17",
        ),
    ],
)
def test_a_bad_calendar_is_refused_with_the_reason(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(Unprocessable) as refused:
        Calendar.from_dict(calendar_dict(**changes))
    assert message in str(refused.value)


def test_a_calendar_survives_its_json_form() -> None:
    data = calendar_dict(
        week={"mon": [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}], "sat": ["22:00-24:00"]},
        holidays={"country": "ID", "subdivision": None, "categories": ["public", "government"], "language": "en_US"},
        closed_dates=[{"date": "2026-12-31", "name": "stock take"}],
        open_dates=["2026-08-17"],
    )
    calendar = Calendar.from_dict(data)
    again = Calendar.from_dict(calendar.to_dict())
    assert again.to_dict() == calendar.to_dict()
    assert calendar.to_dict()["week"]["sat"] == [{"start": "22:00", "end": "24:00"}]
    assert calendar.to_dict()["closed_dates"] == [{"date": "2026-12-31", "name": "stock take"}]


def test_indonesia_public_holidays_are_the_default_and_cuti_bersama_is_a_choice() -> None:
    public = Calendar.from_dict(calendar_dict())
    with_leave = Calendar.from_dict(calendar_dict(holidays={"country": "ID", "categories": ["public", "government"]}))
    assert public.holidays == HolidaySource("ID", None, ("public",))
    nyepi, leave = date(2026, 3, 19), date(2026, 3, 20)  # Thursday: Nyepi; Friday: Idul Fitri joint leave
    assert public.is_closed_day(nyepi) and with_leave.is_closed_day(nyepi)
    assert not public.is_closed_day(leave)
    assert with_leave.is_closed_day(leave)
    assert leave not in {h.day for h in public.holidays_in(2026)}
    assert leave in {h.day for h in with_leave.holidays_in(2026)}


def test_dates_the_package_estimates_are_marked_estimated() -> None:
    holidays = {h.day: h for h in Calendar.from_dict(calendar_dict()).holidays_in(2031)}
    assert holidays[date(2031, 1, 23)].estimated  # Lunar New Year, computed
    assert "(perkiraan)" in holidays[date(2031, 1, 23)].name
    assert not holidays[date(2031, 8, 17)].estimated  # Independence Day, fixed
    english = Calendar.from_dict(calendar_dict(holidays={"country": "ID", "language": "en_US"}))
    named = {h.day: h for h in english.holidays_in(2031)}
    assert named[date(2031, 1, 23)].estimated and named[date(2031, 1, 23)].name == "Lunar New Year (estimated)"


def test_any_country_and_subdivision_the_package_knows() -> None:
    bavaria = Calendar.weekly(
        "munich", "Europe/Berlin", {d: ["09:00-17:00"] for d in WORKDAYS}, holidays=HolidaySource("DE", "BY")
    )
    berlin = Calendar.weekly(
        "berlin", "Europe/Berlin", {d: ["09:00-17:00"] for d in WORKDAYS}, holidays=HolidaySource("DE", "BE")
    )
    epiphany = date(2026, 1, 6)  # a Tuesday; a holiday in Bavaria, not in Berlin
    assert bavaria.is_closed_day(epiphany)
    assert not berlin.is_closed_day(epiphany)


def test_an_admin_closes_a_date_and_reopens_a_holiday() -> None:
    calendar = Calendar.from_dict(
        calendar_dict(
            closed_dates=[{"date": "2026-07-03", "name": "office move"}],
            open_dates=["2026-08-17"],  # Independence Day (a Monday): open this year
        )
    )
    assert calendar.is_closed_day(date(2026, 7, 3))
    assert not calendar.is_closed_day(date(2026, 8, 17))
    listed = {h.day: h for h in calendar.holidays_in(2026)}
    assert listed[date(2026, 7, 3)].source == "custom" and listed[date(2026, 7, 3)].name == "office move"
    assert listed[date(2026, 8, 17)].reopened
    monday = datetime.combine(date(2026, 8, 17), time(8), tzinfo=JKT)
    assert calendar.next_open(monday - timedelta(hours=1)) == monday.astimezone(UTC)


def test_no_holidays_and_the_24_7_calendar() -> None:
    plain = Calendar.from_dict(calendar_dict(holidays=None))
    assert plain.holidays is None and plain.holidays_in(2026) == []
    assert not plain.is_closed_day(date(2026, 8, 17))
    always = Calendar.always_open()
    assert always.is_open(datetime(2026, 12, 25, 3, 0, tzinfo=UTC))


def test_naive_datetimes_and_negative_durations_are_programming_errors() -> None:
    calendar = Calendar.from_dict(calendar_dict())
    with pytest.raises(ValueError, match="naive datetime"):
        calendar.add(datetime(2026, 1, 5, 9, 0), timedelta(hours=1))
    with pytest.raises(ValueError, match="negative duration"):
        calendar.add(datetime(2026, 1, 5, 9, 0, tzinfo=UTC), timedelta(hours=-1))
    with pytest.raises(ValueError, match="before start"):
        calendar.elapsed(datetime(2026, 1, 5, 9, 0, tzinfo=UTC), datetime(2026, 1, 5, 8, 0, tzinfo=UTC))


def test_a_calendar_closed_on_every_day_it_would_open_gives_up_at_the_horizon() -> None:
    def mondays_closed(weeks: int) -> Calendar:
        closed = {date(2026, 1, 5) + timedelta(weeks=n): "closed" for n in range(weeks)}
        return Calendar.weekly("mondays", "UTC", {"mon": ["09:00-10:00"]}, closed_dates=closed)

    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert mondays_closed(100).next_open(start) == datetime(2027, 12, 6, 9, 0, tzinfo=UTC)
    with pytest.raises(Unprocessable, match="no open time within 3660 days"):
        mondays_closed(600).next_open(start)
