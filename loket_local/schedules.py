"""The template's schedules firing on time: EventBridge rules (SAM `Schedule`) and EventBridge Scheduler
schedules (SAM `ScheduleV2`, `AWS::Scheduler::Schedule`), with rate(), cron() and at() expressions.

Each firing delivers the event AWS would deliver, with `time` set to the scheduled time; `fire(..., at=...)`
runs a schedule as if the clock read another time, which is how /_local/ lets you test "Monday 09:00".
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from loket_local.template import Schedule

log = logging.getLogger("local-stack")

_MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {d: i + 1 for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
_MINUTE = dt.timedelta(minutes=1)
_MAX_SCAN = 60 * 24 * 3  # minutes looked at in one tick at most (the clock jumped: laptop asleep, test clock)


class CronField:
    def __init__(self, text: str, low: int, high: int, names: dict[str, int] | None = None) -> None:
        self.text, self.low, self.high, self.names = text.upper(), low, high, names or {}
        self.values: set[int] = set()
        self.special: list[str] = []
        for part in self.text.split(","):
            self._part(part)

    def _number(self, token: str) -> int:
        value = self.names[token] if token in self.names else int(token)
        if not self.low <= value <= self.high:
            raise ValueError(f"{token} out of range {self.low}-{self.high}")
        return value

    def _part(self, part: str) -> None:
        if part in ("*", "?"):
            self.values.update(range(self.low, self.high + 1))
        elif part == "L" or part.endswith("L") or "#" in part:
            self.special.append(part)
        elif part.endswith("W"):
            raise ValueError("the W (nearest weekday) wildcard is not supported locally")
        else:
            base, _, step = part.partition("/")
            if base in ("*", ""):
                start, end = self.low, self.high
            elif "-" in base:
                first, last = base.split("-", 1)
                start, end = self._number(first), self._number(last)
            else:
                start = self._number(base)
                end = self.high if step else start
            self.values.update(range(start, end + 1, int(step) if step else 1))


def _eb_weekday(day: dt.date) -> int:
    return (day.weekday() + 1) % 7 + 1  # EventBridge: SUN=1 ... SAT=7


class Cron:
    """An EventBridge cron(minutes hours day-of-month month day-of-week year) expression."""

    def __init__(self, body: str) -> None:
        parts = body.split()
        if len(parts) != 6:
            raise ValueError(f"cron needs 6 fields, got {len(parts)}: {body}")
        self.minute = CronField(parts[0], 0, 59)
        self.hour = CronField(parts[1], 0, 23)
        self.dom = CronField(parts[2], 1, 31)
        self.month = CronField(parts[3], 1, 12, _MONTHS)
        self.dow = CronField(parts[4], 1, 7, _DAYS)
        self.year = CronField(parts[5], 1970, 2199)
        self.dom_any, self.dow_any = parts[2] == "?", parts[4] == "?"

    def _dom_matches(self, t: dt.datetime) -> bool:
        if t.day in self.dom.values:
            return True
        last = calendar.monthrange(t.year, t.month)[1]
        return any(s == "L" and t.day == last for s in self.dom.special)

    def _dow_matches(self, t: dt.datetime) -> bool:
        weekday = _eb_weekday(t.date())
        if weekday in self.dow.values:
            return True
        last = calendar.monthrange(t.year, t.month)[1]
        for special in self.dow.special:
            if "#" in special:
                day, nth = special.split("#")
                hit = self.dow._number(day) == weekday and (t.day - 1) // 7 + 1 == int(nth)
            else:  # "6L": the last Friday of the month
                hit = special != "L" and self.dow._number(special[:-1]) == weekday and t.day + 7 > last
            if hit:
                return True
        return False

    def matches(self, t: dt.datetime) -> bool:
        if t.minute not in self.minute.values or t.hour not in self.hour.values:
            return False
        if t.month not in self.month.values or t.year not in self.year.values:
            return False
        day_ok = True
        if not self.dom_any:
            day_ok = self._dom_matches(t)
        if not self.dow_any:
            day_ok = day_ok and self._dow_matches(t)
        return day_ok


@dataclass
class Trigger:
    schedule: Schedule
    function: str
    anchor: dt.datetime  # rate() schedules count from here (the stack's start)
    cron: Cron | None = None
    every: dt.timedelta | None = None
    once: dt.datetime | None = None

    @classmethod
    def of(cls, schedule: Schedule, function: str, anchor: dt.datetime) -> Trigger:
        expr = schedule.expression.strip()
        tz = ZoneInfo(schedule.timezone or "UTC")
        if match := re.fullmatch(r"rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)", expr):
            unit = match.group(2).rstrip("s") + "s"
            every = dt.timedelta(**{unit: int(match.group(1))})
            return cls(schedule, function, anchor.replace(second=0, microsecond=0), every=every)
        if match := re.fullmatch(r"cron\((.*)\)", expr):
            return cls(schedule, function, anchor, cron=Cron(match.group(1)))
        if match := re.fullmatch(r"at\((.*)\)", expr):
            once = dt.datetime.fromisoformat(match.group(1)).replace(tzinfo=tz)
            return cls(schedule, function, anchor, once=once.astimezone(dt.UTC))
        raise ValueError(f"unsupported schedule expression {expr!r}")

    def due(self, after: dt.datetime, upto: dt.datetime) -> Iterator[dt.datetime]:
        """Firing times t with after < t <= upto (UTC)."""
        if self.once is not None:
            if after < self.once <= upto:
                yield self.once
            return
        if self.every is not None:
            count = int((after - self.anchor) / self.every) + 1
            t = self.anchor + count * self.every
            while t <= upto:
                if t > after:
                    yield t
                t += self.every
            return
        assert self.cron is not None
        tz = ZoneInfo(self.schedule.timezone or "UTC")
        t = after.replace(second=0, microsecond=0) + _MINUTE
        while t <= upto:
            if self.cron.matches(t.astimezone(tz)):
                yield t
            t += _MINUTE


def utc_text(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Scheduler:
    def __init__(
        self,
        triggers: list[Trigger],
        fire: Callable[[Trigger, dt.datetime], None],
        clock: Callable[[], dt.datetime],
        stop: threading.Event,
    ) -> None:
        self.triggers, self.fire, self.clock, self.stop = triggers, fire, clock, stop
        self.last = clock()
        self.thread = threading.Thread(target=self._run, name="scheduler", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def join(self, timeout: float = 5.0) -> None:
        if self.thread.is_alive():
            self.thread.join(timeout)

    def tick(self) -> None:
        now = self.clock()
        if now <= self.last:
            return
        self.last = max(self.last, now - _MAX_SCAN * _MINUTE)  # after a long jump, only the last days count
        for trigger in self.triggers:
            if trigger.schedule.enabled:
                for t in trigger.due(self.last, now):
                    self.fire(trigger, t)
        self.last = now

    def _run(self) -> None:
        while not self.stop.wait(0.25):
            try:
                self.tick()
            except Exception:
                log.exception("scheduler tick failed")

    def next_times(self, trigger: Trigger, count: int = 1) -> list[dt.datetime]:
        out: list[dt.datetime] = []
        start = self.clock()
        for window in (dt.timedelta(hours=1), dt.timedelta(days=2), dt.timedelta(days=40)):
            out = list(trigger.due(start, start + window))[:count]
            if out:
                break
        return out


def schedule_event(trigger: Trigger, at: dt.datetime, arn: str, account: str, region: str) -> Any:
    """The payload the function receives: the target's Input, else an EventBridge scheduled event."""
    raw = trigger.schedule.input
    if isinstance(raw, str) and raw:
        if trigger.schedule.kind == "scheduler":
            for name, value in (
                ("scheduled-time", utc_text(at)),
                ("schedule-arn", arn),
                ("execution-id", str(uuid.uuid4())),
                ("attempt-number", "1"),
            ):
                raw = raw.replace(f"<aws.scheduler.{name}>", value)
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler" if trigger.schedule.kind == "scheduler" else "aws.events",
        "account": account,
        "time": utc_text(at),
        "region": region,
        "resources": [arn],
        "detail": {},
    }
