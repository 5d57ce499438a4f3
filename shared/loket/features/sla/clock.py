"""SLA clocks: a ticket's timeline in, each metric's state and the SLA events out.

`evaluate(timeline, policies, calendars, now)` replays the timeline (a list of facts: `Created`, `StatusChanged`,
`CustomerMessage`, `PublicReply`, `PriorityChanged`, `GroupChanged`, `TagsChanged`, `TypeChanged`, `Merged`,
`Reopened`) from the start. It is a pure function: the same timeline, policies, calendars and `now` give the same
deadlines and events, so a stored SLA timeline can always be checked against a replay.

Clocks (one per metric and cycle; `next_response` has a cycle per answered customer message):

* `first_response` starts at creation and is fulfilled by the first public agent reply;
* `next_response` starts at a customer message once the first response is done and no next-response clock is
  running (a second message does not restart it: it measures from the oldest unanswered one); fulfilled by the next
  public agent reply;
* `resolution` starts at creation and is fulfilled when the ticket is resolved (or closed);
* resolving or closing the ticket fulfils every running clock (also an unanswered first response); a reopen
  (`Reopened`, a status change out of resolved/closed, or a customer message on a resolved ticket) resumes the
  resolution clock with the time it had used; the first and next response clocks stay done (the customer message
  starts a new next-response cycle);
* merging this ticket into another (`Merged`) cancels its running clocks (a merged ticket counts neither as met nor
  as missed; one already breached stays breached).

Pauses: a clock does not run while the ticket is `pending` (waiting on the customer) or `quarantined`, nor in
`on_hold` if the policy says `pause_on_hold`; it resumes when the status leaves that state (a customer message on a
pending ticket opens it, as in the ticket's own transition table). Paused time never counts.

Time used is measured in the target's calendar (the policy's business calendar, or 24/7 for calendar-time targets)
over the clock's running intervals.

Recompute rule (Zendesk's): the policy is picked again whenever the group, tags or type change, and the targets
follow the ticket's current policy and priority. When they change at instant `c`, every running clock takes the new
target, measured from the clock's own start (the running intervals it has had; pauses stay as they happened), in the
new target's calendar; if the new target is already used up, the clock breaches at `c` (and warns at `c` if it had
not warned). A warning or breach already recorded stays recorded. A clock whose metric the new policy does not
target is cancelled (`cancelled`, reason `no target`) and starts again (`started`) if a later change targets it.
Clocks already fulfilled keep their outcome.

Event instants are exact: a warning at the instant `warn_at` of the target is used, a breach at the instant all of it
is used. A reply at exactly the due instant is in time; a clock still open at its due instant is breached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from loket.core.domain.errors import NotFound
from loket.core.domain.ticket import TRANSITIONS, Action, Priority, Status
from loket.features.sla.calendar import Calendar
from loket.features.sla.policy import Metric, Policy, Target, TicketFacts, TimeBasis, pick

ALWAYS_OPEN = Calendar.always_open()
_STOPPED = (Status.RESOLVED, Status.CLOSED)


# ---- the timeline ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Created:
    at: datetime
    priority: Priority = Priority.NORMAL
    group: str | None = None
    channel: str | None = None
    requester_email: str = ""
    tags: frozenset[str] = frozenset()
    type: str | None = None
    status: Status = Status.NEW


@dataclass(frozen=True)
class StatusChanged:
    at: datetime
    status: Status


@dataclass(frozen=True)
class CustomerMessage:
    at: datetime


@dataclass(frozen=True)
class PublicReply:
    """A public reply by an agent (internal notes do not count)."""

    at: datetime


@dataclass(frozen=True)
class PriorityChanged:
    at: datetime
    priority: Priority


@dataclass(frozen=True)
class GroupChanged:
    at: datetime
    group: str | None


@dataclass(frozen=True)
class TagsChanged:
    at: datetime
    tags: frozenset[str]


@dataclass(frozen=True)
class TypeChanged:
    at: datetime
    type: str | None


@dataclass(frozen=True)
class Merged:
    """This ticket was merged into another (and closed)."""

    at: datetime


@dataclass(frozen=True)
class Reopened:
    """A resolved or closed ticket opened again."""

    at: datetime


Fact = (
    Created
    | StatusChanged
    | CustomerMessage
    | PublicReply
    | PriorityChanged
    | GroupChanged
    | TagsChanged
    | TypeChanged
    | Merged
    | Reopened
)


# ---- the result -----------------------------------------------------------------------------------------------


class EventKind(StrEnum):
    STARTED = "started"
    PAUSED = "paused"
    RESUMED = "resumed"
    RETARGETED = "retargeted"  # the policy or priority changed the target of a running clock
    WARNED = "warned"
    BREACHED = "breached"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"  # merged away, or no target any more


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    FULFILLED = "fulfilled"  # stopped within the target
    BREACHED = "breached"  # the target was used up: still open, paused, or stopped late
    CANCELLED = "cancelled"  # stopped without a verdict (merged away, or no target any more)


@dataclass(frozen=True)
class SlaEvent:
    at: datetime
    kind: EventKind
    metric: Metric
    cycle: int = 0
    due_at: datetime | None = None  # for started, resumed, retargeted: when it breaches if nothing changes
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": _iso(self.at),
            "kind": self.kind.value,
            "metric": self.metric.value,
            "cycle": self.cycle,
            "due_at": _iso(self.due_at) if self.due_at else None,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class MetricClock:
    """One clock at `now`. `due_at`/`warn_at`: for a running clock, when it breaches/warns (or did); None while
    paused or stopped (then `breached_at`, `warned_at` and `stopped_at` tell what happened). `used` is business time
    (in the target's calendar) used until now or until it stopped."""

    metric: Metric
    cycle: int
    state: ClockState
    target: Target
    policy: str
    started_at: datetime
    used: timedelta
    due_at: datetime | None = None
    warn_at: datetime | None = None
    warned_at: datetime | None = None
    breached_at: datetime | None = None
    stopped_at: datetime | None = None

    @property
    def remaining(self) -> timedelta:
        """Target minus used: negative once breached."""
        return self.target.duration - self.used

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric.value,
            "cycle": self.cycle,
            "state": self.state.value,
            "target": self.target.to_dict(),
            "policy": self.policy,
            "started_at": _iso(self.started_at),
            "used_seconds": self.used.total_seconds(),
            "due_at": _iso(self.due_at),
            "warn_at": _iso(self.warn_at),
            "warned_at": _iso(self.warned_at),
            "breached_at": _iso(self.breached_at),
            "stopped_at": _iso(self.stopped_at),
        }


@dataclass(frozen=True)
class SlaReport:
    """Every clock of the ticket (each cycle), its SLA events in order, and the policy and priority in force."""

    now: datetime
    policy: str | None
    priority: Priority
    clocks: tuple[MetricClock, ...]
    events: tuple[SlaEvent, ...]

    def current(self, metric: Metric) -> MetricClock | None:
        """The latest cycle of `metric`, or None if it never had a target."""
        return next((c for c in reversed(self.clocks) if c.metric is metric), None)

    def next_check(self) -> datetime | None:
        """The earliest instant after `now` at which a running clock warns or breaches: when to look again (the
        due-time index's key). None if no clock runs."""
        instants = [
            instant
            for c in self.clocks
            if c.due_at is not None
            for instant in (c.warn_at, c.due_at)
            if instant is not None and instant > self.now
        ]
        return min(instants, default=None)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else None


# ---- the replay -----------------------------------------------------------------------------------------------


@dataclass
class _Cycle:
    metric: Metric
    index: int
    started_at: datetime
    intervals: list[list[datetime | None]] = field(default_factory=list)  # running [start, end]; end None: now
    target: Target | None = None
    last_target: Target | None = None
    policy: str = ""
    calendar: Calendar = ALWAYS_OPEN
    warn_fraction: float = 0.75
    warned_at: datetime | None = None
    breached_at: datetime | None = None
    stopped_at: datetime | None = None
    cancelled: bool = False

    @property
    def open(self) -> bool:
        return self.stopped_at is None

    @property
    def running(self) -> bool:
        return bool(self.intervals) and self.intervals[-1][1] is None

    def used(self, at: datetime) -> timedelta:
        total = timedelta(0)
        for start, end in self.intervals:
            assert start is not None
            stop = at if end is None or end > at else end
            if start < stop:
                total += self.calendar.elapsed(start, stop)
        return total

    def reaches(self, at: datetime, fraction: float) -> datetime | None:
        """While running from `at` on: the instant the clock has used `fraction` of its target."""
        if self.target is None or not self.running:
            return None
        goal = self.target.duration * fraction if fraction < 1 else self.target.duration
        used = self.used(at)
        return at if used >= goal else self.calendar.add(at, goal - used)


class _Replay:
    def __init__(self, policies: Sequence[Policy], calendars: Mapping[str, Calendar], created: Created) -> None:
        self.policies = policies
        self.calendars = calendars
        self.status = created.status
        self.priority = created.priority
        self.ticket = TicketFacts(
            group=created.group,
            channel=created.channel,
            requester_email=created.requester_email,
            tags=frozenset(t.lower() for t in created.tags),
            type=created.type,
        )
        self.policy = pick(policies, self.ticket)
        self.cycles: list[_Cycle] = []
        self.events: list[SlaEvent] = []

    # -- helpers --

    def emit(self, cycle: _Cycle, at: datetime, kind: EventKind, reason: str = "", due: datetime | None = None) -> None:
        self.events.append(SlaEvent(at, kind, cycle.metric, cycle.index, due, reason))

    def paused(self) -> bool:
        return self.status in (Status.PENDING, Status.QUARANTINED) or (
            self.status is Status.ON_HOLD and self.policy is not None and self.policy.pause_on_hold
        )

    def calendar_for(self, target: Target) -> Calendar:
        if target.basis is TimeBasis.CALENDAR or self.policy is None:
            return ALWAYS_OPEN
        calendar = self.calendars.get(self.policy.calendar)
        if calendar is None:
            raise NotFound("calendar", self.policy.calendar)
        return calendar

    def latest(self, metric: Metric) -> _Cycle | None:
        return next((c for c in reversed(self.cycles) if c.metric is metric), None)

    # -- clock changes --

    def start(self, metric: Metric, at: datetime) -> None:
        index = sum(1 for c in self.cycles if c.metric is metric)
        cycle = _Cycle(metric, index, at)
        if not self.paused() and self.status not in _STOPPED:
            cycle.intervals.append([at, None])
        self.cycles.append(cycle)
        self.retarget(cycle, at)

    def retarget(self, cycle: _Cycle, at: datetime) -> None:
        """Give an open clock the current policy's target (the recompute rule)."""
        target = self.policy.target(self.priority, cycle.metric) if self.policy else None
        calendar = self.calendar_for(target) if target else cycle.calendar
        policy = self.policy.name if self.policy else ""
        if target == cycle.target and calendar is cycle.calendar and policy == cycle.policy:
            return
        before = cycle.target
        cycle.target, cycle.calendar, cycle.policy = target, calendar, policy
        if self.policy is not None:
            cycle.warn_fraction = self.policy.warn_at
        if target is None:
            if before is not None:
                self.emit(cycle, at, EventKind.CANCELLED, "no target")
            return
        cycle.last_target = target
        due = cycle.reaches(at, 1.0)
        if before is None:
            self.emit(cycle, at, EventKind.STARTED, due=due)
            if not cycle.running:
                self.emit(cycle, at, EventKind.PAUSED, self.status.value)
        else:
            self.emit(cycle, at, EventKind.RETARGETED, f"{policy}: {before.minutes} -> {target.minutes} minutes", due)

    def stop(self, cycle: _Cycle, at: datetime, cancelled: bool, reason: str) -> None:
        if cycle.running:
            cycle.intervals[-1][1] = at
        cycle.stopped_at, cycle.cancelled = at, cancelled
        if cycle.target is not None:
            self.emit(cycle, at, EventKind.CANCELLED if cancelled else EventKind.FULFILLED, reason)

    def sync_running(self, at: datetime, reason: str) -> None:
        """Pause or resume the open clocks to match the status."""
        run = not self.paused() and self.status not in _STOPPED
        for cycle in self.cycles:
            if not cycle.open or cycle.running == run:
                continue
            if run:
                cycle.intervals.append([at, None])
                if cycle.target is not None:
                    self.emit(cycle, at, EventKind.RESUMED, reason, cycle.reaches(at, 1.0))
            else:
                cycle.intervals[-1][1] = at
                if cycle.target is not None:
                    self.emit(cycle, at, EventKind.PAUSED, reason)

    def advance(self, since: datetime, until: datetime, inclusive: bool) -> None:
        """Warnings and breaches of the running clocks between two facts (nothing else changes in between)."""
        for cycle in self.cycles:
            if not cycle.open or cycle.target is None or not cycle.running:
                continue
            for fraction, kind in ((cycle.warn_fraction, EventKind.WARNED), (1.0, EventKind.BREACHED)):
                if (cycle.warned_at if kind is EventKind.WARNED else cycle.breached_at) is not None:
                    continue
                instant = cycle.reaches(since, fraction)
                if instant is None or instant > until or (instant == until and not inclusive):
                    continue
                if kind is EventKind.WARNED:
                    cycle.warned_at = instant
                else:
                    cycle.breached_at = instant
                self.emit(cycle, instant, kind)

    # -- facts --

    def set_status(self, status: Status, at: datetime, reason: str) -> None:
        before, self.status = self.status, status
        if status in _STOPPED:
            if before not in _STOPPED:
                for cycle in self.cycles:
                    if cycle.open:
                        self.stop(cycle, at, False, status.value)
            return
        if before in _STOPPED:
            resolution = self.latest(Metric.RESOLUTION)
            if resolution is not None and not resolution.cancelled:
                resolution.stopped_at = None  # resumes below, with the time it had used
                self.retarget(resolution, at)
            reason = "reopened"
        self.sync_running(at, reason)

    def apply(self, fact: Fact) -> None:
        at = fact.at
        match fact:
            case StatusChanged(status=status):
                self.set_status(status, at, status.value)
            case Reopened():
                self.set_status(Status.OPEN, at, "reopened")
            case CustomerMessage():
                if self.status is Status.CLOSED:
                    return  # a closed ticket gets a follow-up ticket instead
                self.set_status(TRANSITIONS.get((self.status, Action.CUSTOMER_MESSAGE), self.status), at, "customer")
                first = self.latest(Metric.FIRST_RESPONSE)
                waiting = self.latest(Metric.NEXT_RESPONSE)
                if (first is None or not first.open) and (waiting is None or not waiting.open):
                    self.start(Metric.NEXT_RESPONSE, at)
            case PublicReply():
                for cycle in self.cycles:
                    if cycle.open and cycle.metric in (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE):
                        self.stop(cycle, at, False, "public reply")
                self.set_status(TRANSITIONS.get((self.status, Action.AGENT_REPLY), self.status), at, "public reply")
            case Merged():
                for cycle in self.cycles:
                    if cycle.open:
                        self.stop(cycle, at, True, "merged")
                self.status = Status.CLOSED
            case PriorityChanged(priority=priority):
                self.priority = priority
                self.repick(at)
            case GroupChanged(group=group):
                self.ticket = replace(self.ticket, group=group)
                self.repick(at)
            case TagsChanged(tags=tags):
                self.ticket = replace(self.ticket, tags=frozenset(t.lower() for t in tags))
                self.repick(at)
            case TypeChanged(type=type_):
                self.ticket = replace(self.ticket, type=type_)
                self.repick(at)
            case Created():
                raise ValueError("a timeline has one Created fact, its first")

    def repick(self, at: datetime) -> None:
        self.policy = pick(self.policies, self.ticket)
        for cycle in self.cycles:
            if cycle.open:
                self.retarget(cycle, at)
        self.sync_running(at, "policy")  # pause_on_hold may differ

    # -- the result --

    def report(self, now: datetime) -> SlaReport:
        clocks = []
        for cycle in self.cycles:
            target = cycle.target or cycle.last_target
            if target is None:
                continue
            cancelled = cycle.cancelled or (cycle.open and cycle.target is None)
            stopped = cycle.stopped_at if cycle.stopped_at is not None else None
            if cycle.breached_at is not None:
                state = ClockState.BREACHED
            elif cancelled:
                state = ClockState.CANCELLED
            elif not cycle.open:
                state = ClockState.FULFILLED
            elif cycle.running:
                state = ClockState.RUNNING
            else:
                state = ClockState.PAUSED
            live = cycle.open and not cancelled and cycle.running
            clocks.append(
                MetricClock(
                    metric=cycle.metric,
                    cycle=cycle.index,
                    state=state,
                    target=target,
                    policy=cycle.policy,
                    started_at=cycle.started_at,
                    used=cycle.used(stopped or now),
                    due_at=(cycle.breached_at or cycle.reaches(now, 1.0)) if live else None,
                    warn_at=(cycle.warned_at or cycle.reaches(now, cycle.warn_fraction)) if live else None,
                    warned_at=cycle.warned_at,
                    breached_at=cycle.breached_at,
                    stopped_at=stopped,
                )
            )
        events = tuple(sorted(self.events, key=lambda e: e.at))  # stable: same-instant events keep their order
        return SlaReport(now, self.policy.name if self.policy else None, self.priority, tuple(clocks), events)


def evaluate(
    timeline: Sequence[Fact], policies: Sequence[Policy], calendars: Mapping[str, Calendar], now: datetime
) -> SlaReport:
    """Replay `timeline` (facts in any order; sorted by instant, same-instant facts keep their order; exactly one
    `Created`, the earliest) under `policies` (ordered, first match) and `calendars` (by name, as policies name
    them) up to `now` (raised to the last fact's instant if earlier). All instants timezone-aware; results in UTC.

    Raises ValueError for a timeline without a first `Created` fact or with naive datetimes, NotFound if a policy
    names a calendar that is not given."""
    if not timeline:
        raise ValueError("an empty timeline: give at least the Created fact")
    for fact in timeline:
        if fact.at.tzinfo is None or fact.at.utcoffset() is None:
            raise ValueError(f"naive datetime in {fact!r}: give timezone-aware instants")
    facts = sorted(timeline, key=lambda f: f.at)
    created = facts[0]
    if not isinstance(created, Created):
        raise ValueError(f"the first fact must be Created, got {type(created).__name__}")
    now = max(now, facts[-1].at).astimezone(UTC)
    replay = _Replay(policies, calendars, created)
    start = created.at.astimezone(UTC)
    replay.start(Metric.FIRST_RESPONSE, start)
    replay.start(Metric.RESOLUTION, start)
    if created.status in _STOPPED:
        replay.status = Status.NEW
        replay.set_status(created.status, start, created.status.value)
    previous = start
    for fact in facts[1:]:
        at = fact.at.astimezone(UTC)
        replay.advance(previous, at, inclusive=False)
        replay.apply(replace(fact, at=at))
        previous = at
    replay.advance(previous, now, inclusive=True)
    return replay.report(now)
