"""Business calendars and business-time arithmetic.

A `Calendar` says when the helpdesk is open:

* `time_zone`: an IANA name (`Asia/Jakarta`, `Europe/Amsterdam`); zone data comes from the pinned `tzdata` package
  when the system has none;
* `week`: for each weekday (0 = Monday ... 6 = Sunday) a list of open spans in local wall time, `HH:MM`-`HH:MM`,
  minutes, end exclusive, `24:00` allowed as an end; several spans a day; a day without spans is closed. A night shift
  is two spans (`22:00-24:00` and the next day's `00:00-06:00`);
* `holidays`: public holidays from the `holidays` package (`HolidaySource`: country, subdivision, categories;
  Indonesia's public holidays by default; Indonesia's collective leave days, cuti bersama, are its `government`
  category). A holiday is closed all day. Dates the package computes rather than takes from a decree are marked
  `estimated` (`Calendar.holidays_in`);
* `closed_dates`: dates an admin closes (a company day off), with a label;
* `open_dates`: dates an admin opens although the package lists a holiday there; the weekly hours apply.

`Calendar.always_open()` is the 24/7 calendar (also what calendar-time targets use).

The arithmetic works on instants: every `datetime` in and out is timezone-aware and comes out in UTC; a naive one is a
programming error (`ValueError`). The zone is used only to turn each *local date's* spans into UTC intervals; all sums
are in UTC, so a day with a DST change has the hours the wall clock shows (Europe/Amsterdam 09:00-17:00 is 8 hours on
both change days). The rule for span edges that fall in a DST change:

* a wall time that does not exist (spring forward, the skipped hour) means the instant of the change: a span
  `02:00-04:00` on that day opens at 03:00 summer time and lasts one hour;
* a wall time that occurs twice (fall back) means its first occurrence (`fold=0`): a span `02:00-04:00` on that day
  lasts three hours.

`add` and `elapsed` walk day by day and span by span (never minute by minute); each local day's intervals and each
year's holidays are computed once per calendar object. Work further than `HORIZON_DAYS` ahead is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from loket.core.domain.errors import Unprocessable

HORIZON_DAYS = 3660  # about ten years: `add` refuses to look further for open time
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
DAY_MINUTES = 24 * 60
DEFAULT_TIME_ZONE = "Asia/Jakarta"
MAX_SPANS_PER_DAY = 12
MAX_CUSTOM_DATES = 1000

_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant.isoformat()}: give a timezone-aware instant")
    return instant.astimezone(UTC)


def _parse_hhmm(text: Any, where: str) -> int:
    match = _HHMM.match(text) if isinstance(text, str) else None
    minutes = int(match.group(1)) * 60 + int(match.group(2)) if match else -1
    if not match or minutes > DAY_MINUTES:
        raise Unprocessable(f"{where}: {text!r} is not a time of day; write HH:MM, 00:00 to 24:00")
    return minutes


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _parse_date(text: Any, where: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise Unprocessable(f"{where}: {text!r} is not a date; write YYYY-MM-DD") from None


@dataclass(frozen=True)
class Span:
    """Open from `start` to `end` (minutes after local midnight, end exclusive, 0 <= start < end <= 1440)."""

    start: int
    end: int

    @classmethod
    def parse(cls, value: Any, where: str = "span") -> Span:
        """`{"start": "09:00", "end": "17:00"}` or `"09:00-17:00"`."""
        start_text: Any
        end_text: Any
        if isinstance(value, str) and "-" in value:
            start_text, _, end_text = value.partition("-")
        elif isinstance(value, Mapping):
            start_text, end_text = value.get("start"), value.get("end")
        else:
            raise Unprocessable(f"{where}: {value!r} is not a span; write {{'start': 'HH:MM', 'end': 'HH:MM'}}")
        return cls(_parse_hhmm(start_text, where), _parse_hhmm(end_text, where))

    def to_dict(self) -> dict[str, str]:
        return {"start": _hhmm(self.start), "end": _hhmm(self.end)}

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


@dataclass(frozen=True)
class HolidaySource:
    """Public holidays from the `holidays` package: an ISO 3166 country code, an optional subdivision, the
    package's categories (`public`; Indonesia also has `government`: cuti bersama, collective leave days), and the
    language of the names (None: the country's own)."""

    country: str = "ID"
    subdivision: str | None = None
    categories: tuple[str, ...] = ("public",)
    language: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "subdivision": self.subdivision,
            "categories": list(self.categories),
            "language": self.language,
        }

    @classmethod
    def from_dict(cls, data: Any) -> HolidaySource:
        if not isinstance(data, Mapping):
            raise Unprocessable(f"holidays: {data!r} is not an object with a country")
        unknown = set(data) - {"country", "subdivision", "categories", "language"}
        if unknown:
            raise Unprocessable(f"holidays: unknown field(s) {', '.join(sorted(unknown))}")
        categories = data.get("categories", ["public"])
        if not isinstance(categories, list | tuple) or not all(isinstance(c, str) for c in categories):
            raise Unprocessable("holidays: categories must be a list of names such as ['public', 'government']")
        country, subdivision, language = data.get("country", "ID"), data.get("subdivision"), data.get("language")
        if (
            not isinstance(country, str)
            or not isinstance(subdivision, str | None)
            or not isinstance(language, str | None)
        ):
            raise Unprocessable("holidays: country, subdivision and language must be text")
        return cls(country=country, subdivision=subdivision, categories=tuple(categories), language=language)

    def build(self, years: Sequence[int] = ()) -> Any:
        """The package's holiday object for `years`; Unprocessable if the package does not know the country,
        subdivision or category."""
        import holidays  # about 75 ms: only calendars with holidays pay for it

        if self.country not in holidays.list_supported_countries():
            raise Unprocessable(f"holidays: Country {self.country} not available")
        kind = type(holidays.country_holidays(self.country))  # its codes and the names it also takes
        if self.subdivision is not None and self.subdivision not in {*kind.subdivisions, *kind.subdivisions_aliases}:
            raise Unprocessable(f"holidays: {self.country} does not have subdivision {self.subdivision}")
        try:
            entity = holidays.country_holidays(self.country, subdiv=self.subdivision, categories=self.categories)
        except ValueError as exc:
            raise Unprocessable(f"holidays for {self.country}: {exc}") from None
        if self.language is not None and self.language not in entity.supported_languages:
            raise Unprocessable(
                f"holidays for {self.country}: language {self.language!r} is not offered; "
                f"use one of {', '.join(entity.supported_languages) or 'none'}"
            )
        # an explicit language: the package would otherwise follow the process's locale
        return holidays.country_holidays(
            self.country,
            subdiv=self.subdivision,
            years=list(years),
            categories=self.categories,
            language=self.language or entity.default_language,
        )


@dataclass(frozen=True)
class Holiday:
    """One closed (or reopened) date of a calendar, for people to see."""

    day: date
    name: str
    source: str  # "package" (from `holidays`) | "custom" (an admin's closed date)
    estimated: bool = False  # the package computed the date; the decree may move it
    reopened: bool = False  # an admin opened the date: the weekly hours apply

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "name": self.name,
            "source": self.source,
            "estimated": self.estimated,
            "reopened": self.reopened,
        }


Interval = tuple[datetime, datetime]


@dataclass(frozen=True, eq=False)
class Calendar:
    """When the helpdesk is open; see the module docstring. Validated when built: Unprocessable with the reason."""

    name: str
    time_zone: str = DEFAULT_TIME_ZONE
    week: tuple[tuple[Span, ...], ...] = ((),) * 7
    holidays: HolidaySource | None = field(default_factory=HolidaySource)
    closed_dates: Mapping[date, str] = field(default_factory=dict)
    open_dates: frozenset[date] = frozenset()
    _days: dict[date, tuple[Interval, ...]] = field(default_factory=dict, init=False, repr=False)
    _years: dict[int, dict[date, list[str]]] = field(default_factory=dict, init=False, repr=False)
    _estimated_label: list[tuple[str, str]] = field(default_factory=list, init=False, repr=False)
    _zone: ZoneInfo = field(default=ZoneInfo("UTC"), init=False, repr=False)
    _continuous: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip() or len(self.name) > 100:
            raise Unprocessable("calendar name must be 1-100 characters")
        try:
            zone = ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise Unprocessable(
                f"unknown time zone {self.time_zone!r}: use an IANA name such as Asia/Jakarta or Europe/Amsterdam"
            ) from None
        object.__setattr__(self, "_zone", zone)
        if len(self.week) != 7:
            raise Unprocessable(f"the week must have 7 days (Monday first), got {len(self.week)}")
        for weekday, spans in enumerate(self.week):
            where = WEEKDAYS[weekday]
            if len(spans) > MAX_SPANS_PER_DAY:
                raise Unprocessable(f"{where}: at most {MAX_SPANS_PER_DAY} spans a day")
            for span in spans:
                if not 0 <= span.start <= DAY_MINUTES or not 0 <= span.end <= DAY_MINUTES:
                    raise Unprocessable(f"{where}: span {span} is outside the day (00:00 to 24:00)")
                if span.end <= span.start:
                    raise Unprocessable(f"{where}: span {span} ends before it starts (an overnight shift is two spans)")
            ordered = sorted(spans, key=lambda s: s.start)
            for before, after in pairwise(ordered):
                if after.start < before.end:
                    raise Unprocessable(f"{where}: spans {before} and {after} overlap")
        if not any(self.week):
            raise Unprocessable("the week has no open hours: give at least one day a span")
        both = set(self.closed_dates) & set(self.open_dates)
        if both:
            raise Unprocessable(f"dates both closed and opened: {', '.join(sorted(d.isoformat() for d in both))}")
        if len(self.closed_dates) + len(self.open_dates) > MAX_CUSTOM_DATES:
            raise Unprocessable(f"at most {MAX_CUSTOM_DATES} custom dates")
        if self.holidays is not None:
            entity = self.holidays.build()  # raises Unprocessable for an unknown country, subdivision or category
            label = getattr(entity, "estimated_label", None)
            if isinstance(label, str) and "%s" in label:
                prefix, _, suffix = entity.tr(label).partition("%s")
                self._estimated_label.append((prefix, suffix))
        # the 24/7 fast path: no closed time at all
        continuous = (
            all(spans == (Span(0, DAY_MINUTES),) for spans in self.week)
            and self.holidays is None
            and not self.closed_dates
        )
        object.__setattr__(self, "_continuous", continuous)

    # ---- building -------------------------------------------------------------------------------------------

    @classmethod
    def always_open(cls, name: str = "24/7", time_zone: str = "UTC") -> Calendar:
        """Open every minute of every day, no holidays."""
        return cls(name=name, time_zone=time_zone, week=((Span(0, DAY_MINUTES),),) * 7, holidays=None)

    @classmethod
    def weekly(
        cls,
        name: str,
        time_zone: str,
        hours: Mapping[str, Sequence[str]],
        *,
        holidays: HolidaySource | None = None,
        closed_dates: Mapping[date, str] | None = None,
        open_dates: frozenset[date] = frozenset(),
    ) -> Calendar:
        """Shorthand: `hours={"mon": ["09:00-12:00", "13:00-17:00"], ...}`; days left out are closed."""
        return cls.from_dict(
            {
                "name": name,
                "time_zone": time_zone,
                "week": {day: list(spans) for day, spans in hours.items()},
                "holidays": holidays.to_dict() if holidays else None,
                "closed_dates": [{"date": d.isoformat(), "name": n} for d, n in (closed_dates or {}).items()],
                "open_dates": sorted(d.isoformat() for d in open_dates),
            }
        )

    @classmethod
    def from_dict(cls, data: Any) -> Calendar:
        """The inverse of `to_dict`; Unprocessable with the reason for anything malformed."""
        if not isinstance(data, Mapping):
            raise Unprocessable("a calendar is an object with name, time_zone and week")
        unknown = set(data) - {"name", "time_zone", "week", "holidays", "closed_dates", "open_dates"}
        if unknown:
            raise Unprocessable(f"calendar: unknown field(s) {', '.join(sorted(unknown))}")
        week_data = data.get("week")
        if not isinstance(week_data, Mapping):
            raise Unprocessable("week: an object from weekday (mon ... sun) to a list of spans")
        bad_days = set(week_data) - set(WEEKDAYS)
        if bad_days:
            raise Unprocessable(f"week: unknown day(s) {', '.join(sorted(map(str, bad_days)))}; use mon ... sun")
        week: list[tuple[Span, ...]] = []
        for day in WEEKDAYS:
            spans = week_data.get(day) or []
            if not isinstance(spans, list | tuple):
                raise Unprocessable(f"{day}: a list of spans")
            week.append(tuple(Span.parse(s, day) for s in spans))
        closed: dict[date, str] = {}
        for entry in data.get("closed_dates") or []:
            if not isinstance(entry, Mapping):
                raise Unprocessable("closed_dates: a list of {date, name}")
            name = entry.get("name") or "closed"
            if not isinstance(name, str) or len(name) > 200:
                raise Unprocessable("closed_dates: a name is text of at most 200 characters")
            closed[_parse_date(entry.get("date"), "closed_dates")] = name
        opened = frozenset(_parse_date(d, "open_dates") for d in data.get("open_dates") or [])
        source = data.get("holidays", HolidaySource().to_dict())
        time_zone = data.get("time_zone", DEFAULT_TIME_ZONE)
        if not isinstance(time_zone, str):
            raise Unprocessable(f"unknown time zone {time_zone!r}: use an IANA name such as Asia/Jakarta")
        return cls(
            name=data.get("name", ""),
            time_zone=time_zone,
            week=tuple(week),
            holidays=HolidaySource.from_dict(source) if source is not None else None,
            closed_dates=closed,
            open_dates=opened,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "time_zone": self.time_zone,
            "week": {WEEKDAYS[i]: [s.to_dict() for s in spans] for i, spans in enumerate(self.week) if spans},
            "holidays": self.holidays.to_dict() if self.holidays else None,
            "closed_dates": [{"date": d.isoformat(), "name": n} for d, n in sorted(self.closed_dates.items())],
            "open_dates": sorted(d.isoformat() for d in self.open_dates),
        }

    # ---- dates ----------------------------------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def _package_holidays(self, year: int) -> dict[date, list[str]]:
        if self.holidays is None:
            return {}
        cached = self._years.get(year)
        if cached is None:
            entity = self.holidays.build([year])
            cached = {day: entity.get_list(day) for day in entity}
            self._years[year] = cached
        return cached

    def _is_estimated(self, name: str) -> bool:
        return any(
            suffix and name.startswith(prefix) and name.endswith(suffix) for prefix, suffix in self._estimated_label
        )

    def holidays_in(self, year: int) -> list[Holiday]:
        """The package's holidays and the custom closed dates of `year`, by date (a reopened holiday says so)."""
        found = [
            Holiday(day, "; ".join(names), "package", any(map(self._is_estimated, names)), day in self.open_dates)
            for day, names in self._package_holidays(year).items()
            if day not in self.closed_dates
        ]
        found += [Holiday(day, name, "custom") for day, name in self.closed_dates.items() if day.year == year]
        return sorted(found, key=lambda h: h.day)

    def is_closed_day(self, day: date) -> bool:
        """True if `day` (a local date) is closed all day: a custom closed date, or a holiday not reopened, or a
        weekday without spans."""
        return not self._day(day)

    # ---- instants -------------------------------------------------------------------------------------------

    def _local_to_utc(self, day: date, minute: int) -> datetime:
        if minute >= DAY_MINUTES:
            day, minute = day + timedelta(days=1), minute - DAY_MINUTES
        wall = datetime.combine(day, time(minute // 60, minute % 60))
        first = wall.replace(tzinfo=self.zone, fold=0).astimezone(UTC)
        if first.astimezone(self.zone).replace(tzinfo=None) == wall:
            return first  # exists (once, or the first of two occurrences)
        # in a gap: the instant of the change, found by bisection between the two readings of the wall time
        low = wall.replace(tzinfo=self.zone, fold=1).astimezone(UTC)
        after = first.astimezone(self.zone).utcoffset()
        lo, hi = 0, int((first - low).total_seconds())
        while lo < hi:
            mid = (lo + hi) // 2
            if (low + timedelta(seconds=mid)).astimezone(self.zone).utcoffset() == after:
                hi = mid
            else:
                lo = mid + 1
        return low + timedelta(seconds=lo)

    def _day(self, day: date) -> tuple[Interval, ...]:
        """The UTC intervals in which the calendar is open on local date `day`, in order, none empty."""
        cached = self._days.get(day)
        if cached is not None:
            return cached
        closed = day in self.closed_dates or (day in self._package_holidays(day.year) and day not in self.open_dates)
        intervals: list[Interval] = []
        if not closed:
            for span in sorted(self.week[day.weekday()], key=lambda s: s.start):
                start, end = self._local_to_utc(day, span.start), self._local_to_utc(day, span.end)
                if end > start:
                    intervals.append((start, end))
        result = tuple(intervals)
        if len(self._days) > 50_000:
            self._days.clear()
        self._days[day] = result
        return result

    def _intervals_from(self, instant: datetime) -> Iterator[Interval]:
        """Open intervals that end after `instant`, in order; Unprocessable past the horizon."""
        first = instant.astimezone(self.zone).date()
        for offset in range(HORIZON_DAYS):
            for start, end in self._day(first + timedelta(days=offset)):
                if end > instant:
                    yield start, end
        raise Unprocessable(f"calendar {self.name} has no open time within {HORIZON_DAYS} days")

    def _intervals_before(self, instant: datetime) -> Iterator[Interval]:
        """Open intervals that start before `instant`, latest first; Unprocessable past the horizon."""
        last = instant.astimezone(self.zone).date()
        for offset in range(HORIZON_DAYS):
            for start, end in reversed(self._day(last - timedelta(days=offset))):
                if start < instant:
                    yield start, end
        raise Unprocessable(f"calendar {self.name} has no open time within {HORIZON_DAYS} days before")

    def is_open(self, instant: datetime) -> bool:
        """True if the calendar is open at `instant`."""
        t = _utc(instant)
        if self._continuous:
            return True
        return any(start <= t < end for start, end in self._day(t.astimezone(self.zone).date()))

    def next_open(self, instant: datetime) -> datetime:
        """`instant` if the calendar is open then, else the next instant it opens (UTC)."""
        t = _utc(instant)
        if self._continuous:
            return t
        start, _ = next(self._intervals_from(t))
        return max(start, t)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant (UTC) at which `duration` of open time has passed since `start`. A start outside
        the hours counts from the next open minute; a zero duration gives `start` back."""
        if duration < timedelta(0):
            raise ValueError(f"cannot add a negative duration {duration}")
        t = _utc(start)
        if self._continuous:
            return t + duration
        if not duration:
            return t
        remaining = duration
        for open_, close in self._intervals_from(t):
            begin = max(open_, t)
            available = close - begin
            if available >= remaining:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable: _intervals_from ends by raising")  # pragma: no cover

    def subtract(self, end: datetime, duration: timedelta) -> datetime:
        """The latest instant (UTC) from which `duration` of open time passes until `end`: the inverse of `add`
        (`subtract(add(s, d), d) == s` when the calendar is open at `s`)."""
        if duration < timedelta(0):
            raise ValueError(f"cannot subtract a negative duration {duration}")
        t = _utc(end)
        if self._continuous or not duration:
            return t - duration
        remaining = duration
        for open_, close in self._intervals_before(t):
            finish = min(close, t)
            available = finish - open_
            if available >= remaining:
                return finish - remaining
            remaining -= available
        raise AssertionError("unreachable: _intervals_before ends by raising")  # pragma: no cover

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Open time between `start` and `end` (end >= start)."""
        a, b = _utc(start), _utc(end)
        if b < a:
            raise ValueError(f"end {b.isoformat()} is before start {a.isoformat()}")
        if self._continuous:
            return b - a
        total = timedelta(0)
        day, last = a.astimezone(self.zone).date(), b.astimezone(self.zone).date()
        while day <= last:
            for open_, close in self._day(day):
                if close > a and open_ < b:
                    total += min(close, b) - max(open_, a)
            day += timedelta(days=1)
        return total
