"""SLA policies: which targets a ticket gets.

Policies are kept in order; the first whose conditions all hold picks the ticket's targets (`pick`). A condition
lists accepted values; an empty list accepts anything; the conditions are:

| condition | holds when |
|---|---|
| `groups` | the ticket's group is one of them |
| `channels` | the ticket came in through one of them (`web`, `email`, ...) |
| `requester_domains` | the requester's address ends in `@` one of them (case-insensitive) |
| `tags` | the ticket has at least one of them |
| `types` | the ticket's type is one of them |

A policy holds, per priority, targets for the metrics (`Metric`):

* `first_response`: from the ticket's creation to the first public agent reply;
* `next_response`: from a customer message (after the first response) to the next public agent reply;
* `resolution`: from the ticket's creation to resolved (a reopen resumes it).

Each target is minutes of `business` time (the policy's calendar, by name) or of `calendar` time (24/7). `warn_at` is
the used fraction of a target at which the clock warns (0 < warn_at < 1, 0.75 by default). `pause_on_hold`: the
clock pauses in `on_hold` too (it always pauses in `pending`). Policies are plain dataclasses; `to_dict`/`from_dict`
give the JSON form; building one validates it (Unprocessable with the reason).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from loket.core.domain.errors import Unprocessable
from loket.core.domain.ticket import Channel, Priority

MAX_TARGET_MINUTES = 366 * 24 * 60  # a year
MAX_POLICIES = 100
MAX_VALUES = 50
DEFAULT_WARN_AT = 0.75
DEFAULT_CALENDAR = "default"
_NAME = re.compile(r"^[\w .:/()\-]{1,100}$")


class Metric(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class TimeBasis(StrEnum):
    BUSINESS = "business"  # the policy's calendar
    CALENDAR = "calendar"  # every minute counts (24/7)


@dataclass(frozen=True)
class Target:
    """`minutes` of business or calendar time."""

    minutes: int
    basis: TimeBasis = TimeBasis.BUSINESS

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.minutes)

    def to_dict(self) -> dict[str, Any]:
        return {"minutes": self.minutes, "basis": self.basis.value}


@dataclass(frozen=True)
class TicketFacts:
    """What the conditions read from a ticket."""

    group: str | None = None
    channel: str | None = None
    requester_email: str = ""
    tags: frozenset[str] = frozenset()
    type: str | None = None

    @property
    def requester_domain(self) -> str:
        return self.requester_email.rpartition("@")[2].lower() if "@" in self.requester_email else ""


@dataclass(frozen=True)
class Conditions:
    """Every non-empty field must hold; inside a field, any value."""

    groups: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    requester_domains: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()

    def matches(self, ticket: TicketFacts) -> bool:
        return (
            (not self.groups or ticket.group in self.groups)
            and (not self.channels or ticket.channel in self.channels)
            and (not self.requester_domains or ticket.requester_domain in self.requester_domains)
            and (not self.tags or bool(self.tags & {t.lower() for t in ticket.tags}))
            and (not self.types or ticket.type in self.types)
        )

    def to_dict(self) -> dict[str, list[str]]:
        return {
            "groups": sorted(self.groups),
            "channels": sorted(self.channels),
            "requester_domains": sorted(self.requester_domains),
            "tags": sorted(self.tags),
            "types": sorted(self.types),
        }

    @classmethod
    def from_dict(cls, data: Any) -> Conditions:
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise Unprocessable("conditions: an object of lists (groups, channels, requester_domains, tags, types)")
        unknown = set(data) - {"groups", "channels", "requester_domains", "tags", "types"}
        if unknown:
            raise Unprocessable(f"conditions: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        values: dict[str, frozenset[str]] = {}
        for key in ("groups", "channels", "requester_domains", "tags", "types"):
            items = data.get(key) or []
            if not isinstance(items, list | tuple) or not all(isinstance(i, str) and i.strip() for i in items):
                raise Unprocessable(f"conditions.{key}: a list of non-empty names")
            if len(items) > MAX_VALUES:
                raise Unprocessable(f"conditions.{key}: at most {MAX_VALUES} values")
            clean = [i.strip() for i in items]
            if key in ("requester_domains", "tags"):
                clean = [i.lower().lstrip("@") for i in clean]
            values[key] = frozenset(clean)
        channels = {c.value for c in Channel}
        unknown_channels = values["channels"] - channels
        if unknown_channels:
            raise Unprocessable(
                f"conditions.channels: unknown channel(s) {', '.join(sorted(unknown_channels))}; "
                f"use {', '.join(sorted(channels))}"
            )
        return cls(**values)


Targets = Mapping[Priority, Mapping[Metric, Target]]


@dataclass(frozen=True, eq=False)
class Policy:
    """One SLA policy; see the module docstring."""

    name: str
    targets: Targets
    conditions: Conditions = field(default_factory=Conditions)
    warn_at: float = DEFAULT_WARN_AT
    pause_on_hold: bool = False
    calendar: str = DEFAULT_CALENDAR

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise Unprocessable("policy name: 1-100 letters, digits, spaces or . : / ( ) - _")
        if not isinstance(self.calendar, str) or not _NAME.match(self.calendar):
            raise Unprocessable(f"policy {self.name}: calendar must name a calendar")
        if isinstance(self.warn_at, bool) or not isinstance(self.warn_at, int | float) or not 0 < self.warn_at < 1:
            raise Unprocessable(
                f"policy {self.name}: warn_at {self.warn_at!r} must be a fraction between 0 and 1 (e.g. 0.75)"
            )
        if not any(self.targets.values()):
            raise Unprocessable(f"policy {self.name}: give at least one target")
        for priority, metrics in self.targets.items():
            for metric, target in metrics.items():
                where = f"policy {self.name}: {priority.value} {metric.value}"
                if isinstance(target.minutes, bool) or not isinstance(target.minutes, int) or target.minutes <= 0:
                    raise Unprocessable(f"{where}: a target must be a positive number of minutes, got {target.minutes}")
                if target.minutes > MAX_TARGET_MINUTES:
                    raise Unprocessable(f"{where}: a target is at most {MAX_TARGET_MINUTES} minutes (a year)")

    def matches(self, ticket: TicketFacts) -> bool:
        return self.conditions.matches(ticket)

    def target(self, priority: Priority, metric: Metric) -> Target | None:
        """The target for `metric` at `priority`, or None if the policy sets none."""
        return self.targets.get(priority, {}).get(metric)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "conditions": self.conditions.to_dict(),
            "targets": {
                p.value: {m.value: t.to_dict() for m, t in self.targets[p].items()}
                for p in Priority
                if self.targets.get(p)
            },
            "warn_at": self.warn_at,
            "pause_on_hold": self.pause_on_hold,
            "calendar": self.calendar,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Policy:
        """The inverse of `to_dict`. `targets`: {priority: {metric: {"minutes": n, "basis": "business"}}}; a bare
        number of minutes means business time."""
        if not isinstance(data, Mapping):
            raise Unprocessable("a policy is an object with name and targets")
        unknown = set(data) - {"name", "conditions", "targets", "warn_at", "pause_on_hold", "calendar"}
        if unknown:
            raise Unprocessable(f"policy: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        name = data.get("name", "")
        raw = data.get("targets")
        if not isinstance(raw, Mapping):
            raise Unprocessable(f"policy {name}: targets is an object from priority to metric to target")
        targets: dict[Priority, dict[Metric, Target]] = {}
        for priority_text, metrics in raw.items():
            try:
                priority = Priority(priority_text)
            except ValueError:
                raise Unprocessable(
                    f"policy {name}: unknown priority {priority_text!r}; use {', '.join(p.value for p in Priority)}"
                ) from None
            if not isinstance(metrics, Mapping):
                raise Unprocessable(f"policy {name}: {priority.value}: an object from metric to target")
            targets[priority] = {}
            for metric_text, value in metrics.items():
                try:
                    metric = Metric(metric_text)
                except ValueError:
                    raise Unprocessable(
                        f"policy {name}: unknown metric {metric_text!r}; use {', '.join(m.value for m in Metric)}"
                    ) from None
                targets[priority][metric] = _target(value, f"policy {name}: {priority.value} {metric.value}")
        pause_on_hold = data.get("pause_on_hold", False)
        if not isinstance(pause_on_hold, bool):
            raise Unprocessable(f"policy {name}: pause_on_hold is true or false")
        return cls(
            name=name,
            targets=targets,
            conditions=Conditions.from_dict(data.get("conditions")),
            warn_at=data.get("warn_at", DEFAULT_WARN_AT),
            pause_on_hold=pause_on_hold,
            calendar=data.get("calendar", DEFAULT_CALENDAR),
        )


def _target(value: Any, where: str) -> Target:
    if isinstance(value, Mapping):
        unknown = set(value) - {"minutes", "basis"}
        if unknown:
            raise Unprocessable(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        minutes, basis_text = value.get("minutes"), value.get("basis", TimeBasis.BUSINESS.value)
    else:
        minutes, basis_text = value, TimeBasis.BUSINESS.value
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise Unprocessable(f"{where}: a target must be a positive number of minutes, got {minutes!r}")
    try:
        basis = TimeBasis(basis_text)
    except ValueError:
        raise Unprocessable(f"{where}: basis {basis_text!r} must be business or calendar") from None
    return Target(minutes, basis)


def pick(policies: Sequence[Policy], ticket: TicketFacts) -> Policy | None:
    """The first policy whose conditions hold for `ticket`, or None."""
    return next((policy for policy in policies if policy.matches(ticket)), None)


def validate_order(policies: Sequence[Policy]) -> None:
    """A list of policies to store: at most MAX_POLICIES, names unique (Unprocessable otherwise)."""
    if len(policies) > MAX_POLICIES:
        raise Unprocessable(f"at most {MAX_POLICIES} SLA policies")
    seen: set[str] = set()
    for policy in policies:
        if policy.name in seen:
            raise Unprocessable(f"two policies are called {policy.name}")
        seen.add(policy.name)
