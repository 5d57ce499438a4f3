"""Business-time arithmetic, property-based (hypothesis) with examples pinned to DST changes, midnight, month-end and
year-end: monotonic, additive (so pauses are excluded), holidays and closed days skipped, correct across DST in
Europe/Amsterdam, add/elapsed/subtract round trips, a start outside hours counting from the next open minute, and a
brute-force minute walk in wall time as an oracle. Pure: no AWS."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from loket.features.sla.calendar import Calendar, HolidaySource, Span

AMS = ZoneInfo("Europe/Amsterdam")
JKT = ZoneInfo("Asia/Jakarta")

# office hours with a lunch break and a Saturday morning, Dutch holidays, a custom closed day and a reopened holiday
AMSTERDAM = Calendar.weekly(
    "amsterdam",
    "Europe/Amsterdam",
    {d: ["09:00-12:00", "13:00-17:30"] for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": ["10:00-14:00"]},
    holidays=HolidaySource("NL"),
    closed_dates={date(2026, 12, 31): "year-end closing", date(2027, 2, 26): "team day"},
    open_dates=frozenset({date(2026, 5, 14)}),  # Ascension Day: open this year
)
# spans across the night hours where the DST changes happen (02:00-03:00 local), and touching midnight
NIGHT = Calendar.weekly(
    "night",
    "Europe/Amsterdam",
    {d: ["00:00-01:30", "01:45-04:00", "22:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
)
# Jakarta, with Indonesia's public holidays and cuti bersama (the package's `government` category)
JAKARTA = Calendar.weekly(
    "jakarta",
    "Asia/Jakarta",
    {d: ["08:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
    holidays=HolidaySource("ID", categories=("public", "government")),
)
# a span edge inside the hour DST skips (spring) or repeats (autumn): the module's rule, not wall time, decides
EDGES = Calendar.weekly(
    "edges",
    "Europe/Amsterdam",
    {d: ["02:30-04:00", "10:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
)
ALWAYS = Calendar.always_open()
CALENDARS = [AMSTERDAM, NIGHT, JAKARTA, EDGES]
WALL_TIME_CALENDARS = [AMSTERDAM, NIGHT, JAKARTA]  # no span edge in a skipped or repeated hour

FAST = settings(max_examples=40, deadline=None)

# DST changes in Europe/Amsterdam: 2026-03-29 01:00 UTC (02:00 -> 03:00), 2026-10-25 01:00 UTC (03:00 -> 02:00)
SPRING = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)
AUTUMN = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)
YEAR_END = datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC)  # 23:59:59 in Amsterdam

instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2031, 12, 31), timezones=st.just(UTC)).map(
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
)
durations = st.integers(min_value=0, max_value=60 * 24 * 60).map(lambda m: timedelta(minutes=m))
seconds = st.integers(min_value=0, max_value=40 * 24 * 3600).map(lambda s: timedelta(seconds=s))
calendars = st.sampled_from(CALENDARS)


def local(day: date, hh: int, mm: int, zone: ZoneInfo = AMS) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=zone).astimezone(UTC)


def in_wall_hours(calendar: Calendar, instant: datetime) -> bool:
    """An oracle that reads wall time: is the minute starting at `instant` inside a span of its local weekday, on a
    day that is not closed?"""
    wall = instant.astimezone(calendar.zone)
    if calendar.is_closed_day(wall.date()):
        return False
    minute = wall.hour * 60 + wall.minute
    return any(span.start <= minute < span.end for span in calendar.week[wall.weekday()])


@FAST
@given(calendars, instants, seconds, seconds)
@example(NIGHT, SPRING, timedelta(hours=3), timedelta(hours=4))
@example(AMSTERDAM, AUTUMN, timedelta(hours=8), timedelta(hours=9))
def test_add_is_monotonic_in_the_duration(calendar: Calendar, start: datetime, a: timedelta, b: timedelta) -> None:
    small, large = sorted((a, b))
    assert calendar.add(start, small) <= calendar.add(start, large)


@FAST
@given(calendars, instants, instants, seconds)
def test_add_is_monotonic_in_the_start(calendar: Calendar, a: datetime, b: datetime, duration: timedelta) -> None:
    early, late = sorted((a, b))
    assert calendar.add(early, duration) <= calendar.add(late, duration)


@FAST
@given(calendars, instants, seconds)
@example(NIGHT, SPRING, timedelta(hours=5))
@example(NIGHT, AUTUMN, timedelta(hours=5))
@example(EDGES, SPRING, timedelta(hours=2))
@example(EDGES, AUTUMN, timedelta(hours=3))
@example(AMSTERDAM, YEAR_END, timedelta(hours=1))
@example(JAKARTA, datetime(2026, 3, 18, 9, 0, tzinfo=UTC), timedelta(hours=12))  # into Nyepi and Idul Fitri leave
def test_elapsed_of_add_is_the_duration(calendar: Calendar, start: datetime, duration: timedelta) -> None:
    due = calendar.add(start, duration)
    assert due >= start
    assert calendar.elapsed(start, due) == duration


@FAST
@given(calendars, instants, seconds)
@example(AMSTERDAM, local(date(2026, 3, 27), 16, 0), timedelta(hours=3))  # Friday before spring forward
@example(NIGHT, local(date(2026, 10, 25), 1, 50), timedelta(hours=2))  # inside the night span, autumn
def test_subtracting_after_adding_returns_to_a_start_inside_business_hours(
    calendar: Calendar, start: datetime, duration: timedelta
) -> None:
    begin = calendar.next_open(start)  # a start inside business hours
    assert calendar.subtract(calendar.add(begin, duration), duration) == begin


@FAST
@given(calendars, instants, instants, instants)
@example(AMSTERDAM, local(date(2026, 1, 30), 10, 0), local(date(2026, 1, 31), 0, 0), local(date(2026, 2, 2), 10, 0))
@example(NIGHT, SPRING, datetime(2026, 3, 29, 1, 0, tzinfo=UTC), datetime(2026, 3, 29, 4, 0, tzinfo=UTC))
def test_elapsed_is_additive_so_a_pause_is_excluded(calendar: Calendar, a: datetime, b: datetime, c: datetime) -> None:
    """Splitting an interval anywhere (at midnight, a month end, a pause) loses and adds nothing; the time of a pause
    [b, pause_end) is what is left out of elapsed(a, c)."""
    a, b, c = sorted((a, b, c))
    whole = calendar.elapsed(a, c)
    assert whole == calendar.elapsed(a, b) + calendar.elapsed(b, c)
    assert timedelta(0) <= whole <= c - a
    pause_end = min(c, b + timedelta(hours=30))
    assert calendar.elapsed(a, b) + calendar.elapsed(pause_end, c) == whole - calendar.elapsed(b, pause_end)


@FAST
@given(calendars, instants, seconds.filter(bool))
@example(AMSTERDAM, datetime(2026, 12, 30, 17, 0, tzinfo=UTC), timedelta(minutes=1))
def test_a_start_outside_business_hours_counts_from_the_next_open_minute(
    calendar: Calendar, start: datetime, duration: timedelta
) -> None:
    opens = calendar.next_open(start)
    assert calendar.is_open(opens)
    assert calendar.elapsed(start, opens) == timedelta(0)
    assert calendar.add(start, duration) == calendar.add(opens, duration)
    if not calendar.is_open(start):
        assert opens > start
        assert (opens.second, opens.microsecond) == (0, 0)  # a whole minute
        assert not calendar.is_open(opens - timedelta(seconds=1))


@FAST
@given(calendars, instants, st.integers(min_value=1, max_value=60 * 24 * 30).map(lambda m: timedelta(minutes=m)))
@example(JAKARTA, datetime(2026, 3, 17, 9, 0, tzinfo=UTC), timedelta(hours=9))
@example(AMSTERDAM, datetime(2026, 12, 30, 15, 0, tzinfo=UTC), timedelta(hours=2))
def test_a_due_instant_never_lands_in_closed_time(calendar: Calendar, start: datetime, duration: timedelta) -> None:
    """The instant just before the due instant is open, in wall time: never on a holiday, a closed date or a weekday
    without hours."""
    due = calendar.add(start, duration)
    assert in_wall_hours(calendar, due - timedelta(microseconds=1))


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(WALL_TIME_CALENDARS),
    instants.map(lambda d: d.replace(second=0, microsecond=0)),
    st.integers(min_value=0, max_value=2 * 24 * 60),
)
@example(NIGHT, datetime(2026, 3, 28, 23, 0, tzinfo=UTC), 24 * 60)
@example(NIGHT, datetime(2026, 10, 24, 23, 0, tzinfo=UTC), 24 * 60)
@example(AMSTERDAM, datetime(2026, 5, 13, 22, 0, tzinfo=UTC), 24 * 60)  # the reopened Ascension Day
def test_elapsed_equals_a_minute_by_minute_walk_in_wall_time(calendar: Calendar, start: datetime, minutes: int) -> None:
    walked = sum(in_wall_hours(calendar, start + timedelta(minutes=m)) for m in range(minutes))
    assert calendar.elapsed(start, start + timedelta(minutes=minutes)) == timedelta(minutes=walked)


@FAST
@given(calendars, instants, seconds, st.sampled_from(["Asia/Jakarta", "America/New_York", "Pacific/Chatham"]))
def test_the_zone_an_instant_is_written_in_does_not_matter(
    calendar: Calendar, start: datetime, duration: timedelta, zone: str
) -> None:
    elsewhere = start.astimezone(ZoneInfo(zone))
    assert calendar.add(elsewhere, duration) == calendar.add(start, duration)
    assert calendar.add(elsewhere, duration).tzinfo is UTC
    assert calendar.elapsed(elsewhere, start + duration) == calendar.elapsed(start, start + duration)


@FAST
@given(instants, durations)
def test_the_24_7_calendar_is_plain_arithmetic(start: datetime, duration: timedelta) -> None:
    assert ALWAYS.add(start, duration) == start + duration
    assert ALWAYS.elapsed(start, start + duration) == duration
    assert ALWAYS.next_open(start) == start


@settings(max_examples=10, deadline=None)
@given(calendars, st.integers(min_value=2025, max_value=2030))
def test_holidays_and_closed_days_count_nothing(calendar: Calendar, year: int) -> None:
    for holiday in calendar.holidays_in(year):
        midnight = datetime.combine(holiday.day, time(0), tzinfo=calendar.zone)
        next_midnight = datetime.combine(holiday.day + timedelta(days=1), time(0), tzinfo=calendar.zone)
        counted = calendar.elapsed(midnight, next_midnight)
        if holiday.reopened and calendar.week[holiday.day.weekday()]:
            assert counted > timedelta(0)  # an admin opened it: the weekly hours apply
        else:
            assert counted == timedelta(0)


# ---- pinned cases, checked by hand ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "hours"),
    [
        (date(2026, 3, 29), 1),  # spring forward: 00:00-01:30 and 01:45-04:00 minus the skipped hour, + 22-24
        (date(2026, 10, 25), 1),  # fall back: the repeated hour counts twice
    ],
)
def test_a_dst_day_has_the_hours_the_wall_clock_shows(day: date, hours: int) -> None:
    ordinary = timedelta(hours=1, minutes=30) + timedelta(hours=2, minutes=15) + timedelta(hours=2)
    change = timedelta(hours=-hours) if day.month == 3 else timedelta(hours=hours)
    begin = datetime.combine(day, time(0), tzinfo=AMS)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=AMS)
    assert NIGHT.elapsed(begin, end) == ordinary + change


def test_office_hours_on_both_dst_change_days_are_wall_clock_hours() -> None:
    # Friday 27 March 2026 16:00 CET + 3 h: 1.5 h Friday, 1.5 h on Saturday 28th (10:00-11:30 CET)
    assert AMSTERDAM.add(local(date(2026, 3, 27), 16, 0), timedelta(hours=3)) == local(date(2026, 3, 28), 11, 30)
    # Saturday 24 October 10:00 CEST + 5 h: 4 h Saturday, Monday 26th 09:00 CET + 1 h
    assert AMSTERDAM.add(local(date(2026, 10, 24), 10, 0), timedelta(hours=5)) == local(date(2026, 10, 26), 10, 0)
    assert local(date(2026, 10, 26), 10, 0) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


def test_a_span_edge_in_a_skipped_hour_is_the_change_and_in_a_repeated_hour_its_first_occurrence() -> None:
    calendar = Calendar("gap", "Europe/Amsterdam", week=((Span(150, 240),),) * 7, holidays=None)  # 02:30-04:00
    # spring: 02:30 never shows; the span opens at the change, 01:00 UTC (03:00 summer time), and lasts one hour
    assert calendar.next_open(datetime(2026, 3, 29, 0, 0, tzinfo=UTC)) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    spring = datetime.combine(date(2026, 3, 29), time(0), tzinfo=AMS)
    assert calendar.elapsed(spring, spring + timedelta(days=1)) == timedelta(hours=1)
    # autumn: 02:30 shows twice; the span opens at the first, 00:30 UTC, and runs to 04:00 winter time, 03:00 UTC
    assert calendar.next_open(datetime(2026, 10, 25, 0, 0, tzinfo=UTC)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    autumn = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)  # local midnight
    assert calendar.elapsed(autumn, autumn + timedelta(days=1)) == timedelta(hours=2, minutes=30)


def test_year_end_and_month_end_roll_over() -> None:
    # Thursday 31 December 2026 is a custom closed day, 1 January 2027 a holiday, Saturday 2 January 10:00 opens
    assert AMSTERDAM.next_open(local(date(2026, 12, 30), 17, 30)) == local(date(2027, 1, 2), 10, 0)
    assert AMSTERDAM.add(local(date(2026, 12, 30), 17, 0), timedelta(hours=1)) == local(date(2027, 1, 2), 10, 30)
    # Friday 27 February 2026 17:00 + 1 h: Saturday 28 February 10:30
    assert AMSTERDAM.add(local(date(2026, 2, 27), 17, 0), timedelta(hours=1)) == local(date(2026, 2, 28), 10, 30)


def test_thirty_business_days_and_four_hundred_across_years() -> None:
    day = timedelta(hours=9)  # Jakarta 08:00-17:00
    start = local(date(2026, 12, 1), 8, 0, JKT)
    due = JAKARTA.add(start, 400 * day)
    assert due.year == 2028
    assert JAKARTA.elapsed(start, due) == 400 * day
    thirty = JAKARTA.add(local(date(2026, 6, 1), 8, 0, JKT), 30 * day)
    # six weeks of five days, less Pancasila Day (Monday 1 June) and Islamic New Year (16 June): Tuesday 14 July
    assert thirty == local(date(2026, 7, 14), 17, 0, JKT)
