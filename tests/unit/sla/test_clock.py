"""SLA clocks from a ticket's timeline, table by table: warned and breached instants, pending pause and resume,
on_hold per policy, priority and group changes (the recompute rule), reopen, merge, next response after each
customer message, business hours; and properties of the replay: order-independent, stable as `now` moves on, and
paused time never counted. Pure: no AWS."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loket.core.domain.errors import NotFound
from loket.core.domain.ticket import Priority, Status
from loket.features.sla.calendar import Calendar
from loket.features.sla.clock import (
    ClockState,
    Created,
    CustomerMessage,
    EventKind,
    Fact,
    GroupChanged,
    Merged,
    PriorityChanged,
    PublicReply,
    Reopened,
    SlaReport,
    StatusChanged,
    TagsChanged,
    evaluate,
)
from loket.features.sla.policy import Metric, Policy

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # Monday 09:00 in Jakarta


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


TARGETS = {
    "high": {"first_response": 60, "next_response": 30, "resolution": 240},
    "normal": {"first_response": 240, "next_response": 120, "resolution": 960},
    "low": {"resolution": 2880},
}
STANDARD = Policy.from_dict({"name": "standard", "targets": TARGETS})
HOLD = Policy.from_dict(
    {"name": "hold", "conditions": {"groups": ["vendors"]}, "targets": TARGETS, "pause_on_hold": True}
)
VIP = Policy.from_dict(
    {"name": "vip", "conditions": {"groups": ["vip"]}, "targets": {"high": {"first_response": 15}}, "warn_at": 0.5}
)
TAGGED = Policy.from_dict(
    {"name": "tagged", "conditions": {"tags": ["outage"]}, "targets": {"high": {"resolution": 30}}}
)
POLICIES = [VIP, HOLD, TAGGED, STANDARD]
CALENDARS = {"default": Calendar.always_open("default")}


def run(*facts: Fact, now: float, policies: list[Policy] = POLICIES) -> SlaReport:
    return evaluate(list(facts), policies, CALENDARS, at(now))


def created(priority: Priority = Priority.HIGH, group: str | None = "support", **kw: object) -> Created:
    return Created(at(0), priority=priority, group=group, **kw)  # type: ignore[arg-type]


def kinds(report: SlaReport, metric: Metric, cycle: int = 0) -> list[tuple[str, float]]:
    return [
        (e.kind.value, (e.at - T0).total_seconds() / 60)
        for e in report.events
        if e.metric is metric and e.cycle == cycle
    ]


def test_a_clock_warns_at_its_threshold_and_breaches_at_its_target() -> None:
    warned = run(created(), now=45)
    clock = warned.current(Metric.FIRST_RESPONSE)
    assert clock is not None
    assert (clock.state, clock.due_at, clock.warned_at, clock.used) == (
        ClockState.RUNNING,
        at(60),
        at(45),
        timedelta(minutes=45),
    )
    assert warned.next_check() == at(60)
    breached = run(created(), now=61)
    assert kinds(breached, Metric.FIRST_RESPONSE) == [("started", 0), ("warned", 45), ("breached", 60)]
    clock = breached.current(Metric.FIRST_RESPONSE)
    assert clock is not None and clock.state is ClockState.BREACHED and clock.breached_at == at(60)
    assert clock.remaining == timedelta(minutes=-1)
    assert breached.next_check() == at(180)  # the resolution clock warns next


def test_a_reply_in_time_fulfils_first_response_and_one_at_the_due_instant_is_in_time() -> None:
    early = run(created(), PublicReply(at(30)), now=100)
    clock = early.current(Metric.FIRST_RESPONSE)
    assert clock is not None and (clock.state, clock.used, clock.stopped_at) == (
        ClockState.FULFILLED,
        timedelta(minutes=30),
        at(30),
    )
    on_the_dot = run(created(), PublicReply(at(60)), now=100)
    assert kinds(on_the_dot, Metric.FIRST_RESPONSE) == [("started", 0), ("warned", 45), ("fulfilled", 60)]


def test_pending_pauses_every_clock_and_a_customer_reply_resumes_it() -> None:
    report = run(
        created(), PublicReply(at(10)), StatusChanged(at(20), Status.PENDING), CustomerMessage(at(100)), now=110
    )
    assert kinds(report, Metric.RESOLUTION) == [("started", 0), ("paused", 20), ("resumed", 100)]
    resolution = report.current(Metric.RESOLUTION)
    assert resolution is not None
    assert resolution.used == timedelta(minutes=30)
    assert resolution.due_at == at(100 + 240 - 20)
    reply = report.current(Metric.NEXT_RESPONSE)
    assert reply is not None and (reply.started_at, reply.due_at) == (at(100), at(130))


def test_pending_left_by_an_agent_resumes_and_a_paused_clock_has_no_due_instant() -> None:
    paused = run(created(), StatusChanged(at(20), Status.PENDING), now=500)
    clock = paused.current(Metric.FIRST_RESPONSE)
    assert clock is not None and (clock.state, clock.due_at, clock.used) == (
        ClockState.PAUSED,
        None,
        timedelta(minutes=20),
    )
    assert paused.next_check() is None
    resumed = run(created(), StatusChanged(at(20), Status.PENDING), StatusChanged(at(500), Status.OPEN), now=510)
    clock = resumed.current(Metric.FIRST_RESPONSE)
    assert clock is not None and clock.due_at == at(540)
    assert kinds(resumed, Metric.FIRST_RESPONSE) == [("started", 0), ("paused", 20), ("resumed", 500)]


@pytest.mark.parametrize(("group", "used"), [("support", 100), ("vendors", 20)])
def test_on_hold_pauses_only_if_the_policy_says_so(group: str, used: int) -> None:
    report = run(created(Priority.NORMAL, group), StatusChanged(at(20), Status.ON_HOLD), now=100)
    clock = report.current(Metric.FIRST_RESPONSE)
    assert clock is not None and clock.used == timedelta(minutes=used)
    assert clock.policy == ("hold" if group == "vendors" else "standard")


def test_raising_the_priority_applies_the_new_target_from_the_tickets_start() -> None:
    report = run(created(Priority.NORMAL), PriorityChanged(at(30), Priority.HIGH), now=61)
    first = report.current(Metric.FIRST_RESPONSE)
    assert first is not None and first.target.minutes == 60 and first.breached_at == at(60)
    retargeted = [e for e in report.events if e.kind is EventKind.RETARGETED and e.metric is Metric.FIRST_RESPONSE]
    assert [(e.at, e.due_at, e.reason) for e in retargeted] == [(at(30), at(60), "standard: 240 -> 60 minutes")]
    late = run(created(Priority.NORMAL), PriorityChanged(at(90), Priority.HIGH), now=91)
    assert kinds(late, Metric.FIRST_RESPONSE) == [("started", 0), ("retargeted", 90), ("warned", 90), ("breached", 90)]


def test_lowering_the_priority_keeps_a_recorded_breach_and_cancels_a_metric_without_target() -> None:
    report = run(created(), PriorityChanged(at(70), Priority.LOW), now=80)
    first = report.current(Metric.FIRST_RESPONSE)
    assert first is not None and first.state is ClockState.BREACHED  # breached at 60, before the change
    assert kinds(report, Metric.FIRST_RESPONSE)[-1] == ("cancelled", 70)
    quiet = run(created(), PriorityChanged(at(10), Priority.LOW), now=80)
    first = quiet.current(Metric.FIRST_RESPONSE)
    assert first is not None and first.state is ClockState.CANCELLED and first.due_at is None
    resolution = quiet.current(Metric.RESOLUTION)
    assert resolution is not None and resolution.target.minutes == 2880 and resolution.due_at == at(2880)


def test_moving_the_ticket_to_another_group_picks_that_groups_policy() -> None:
    report = run(created(), GroupChanged(at(10), "vip"), now=12)
    assert report.policy == "vip"
    first = report.current(Metric.FIRST_RESPONSE)
    assert first is not None and (first.policy, first.due_at, first.warned_at) == ("vip", at(15), at(10))
    resolution = report.current(Metric.RESOLUTION)
    assert resolution is not None and resolution.state is ClockState.CANCELLED  # vip sets no resolution target
    back = run(created(), GroupChanged(at(10), "vip"), GroupChanged(at(20), "support"), now=25)
    assert kinds(back, Metric.RESOLUTION) == [("started", 0), ("cancelled", 10), ("started", 20)]
    resolution = back.current(Metric.RESOLUTION)
    assert resolution is not None and resolution.due_at == at(240)  # measured from the ticket's start


def test_a_tag_can_pick_a_policy_too() -> None:
    report = run(created(), TagsChanged(at(5), frozenset({"Outage"})), now=40)
    assert report.policy == "tagged"
    resolution = report.current(Metric.RESOLUTION)
    assert resolution is not None and resolution.breached_at == at(30)


def test_resolving_fulfils_every_clock_and_a_reopen_resumes_resolution() -> None:
    report = run(created(), StatusChanged(at(100), Status.RESOLVED), Reopened(at(200)), now=300)
    first = report.current(Metric.FIRST_RESPONSE)
    assert first is not None and first.state is ClockState.BREACHED and first.stopped_at == at(100)
    resolution = report.current(Metric.RESOLUTION)
    assert resolution is not None
    assert (resolution.state, resolution.used, resolution.due_at) == (
        ClockState.RUNNING,
        timedelta(minutes=200),
        at(340),
    )
    assert kinds(report, Metric.RESOLUTION) == [("started", 0), ("fulfilled", 100), ("resumed", 200), ("warned", 280)]


def test_a_customer_message_on_a_resolved_ticket_reopens_it_and_waits_for_a_reply() -> None:
    report = run(created(), PublicReply(at(5)), StatusChanged(at(50), Status.RESOLVED), CustomerMessage(at(60)), now=70)
    resolution = report.current(Metric.RESOLUTION)
    assert resolution is not None and resolution.state is ClockState.RUNNING
    assert resolution.used == timedelta(minutes=60)
    reply = report.current(Metric.NEXT_RESPONSE)
    assert reply is not None and reply.due_at == at(90)


def test_a_merged_ticket_cancels_its_clocks_but_keeps_a_breach() -> None:
    report = run(created(), Merged(at(20)), now=500)
    assert {c.metric: c.state for c in report.clocks} == {
        Metric.FIRST_RESPONSE: ClockState.CANCELLED,
        Metric.RESOLUTION: ClockState.CANCELLED,
    }
    assert kinds(report, Metric.FIRST_RESPONSE) == [("started", 0), ("cancelled", 20)]
    assert report.next_check() is None
    late = run(created(), Merged(at(70)), now=500)
    first = late.current(Metric.FIRST_RESPONSE)
    assert first is not None and (first.state, first.stopped_at) == (ClockState.BREACHED, at(70))


def test_next_response_runs_from_the_oldest_unanswered_message_after_each_reply() -> None:
    report = run(
        created(),
        CustomerMessage(at(2)),  # before the first reply: part of the first response
        PublicReply(at(10)),
        CustomerMessage(at(20)),
        CustomerMessage(at(25)),  # does not restart the clock
        PublicReply(at(40)),
        CustomerMessage(at(60)),
        now=100,
    )
    cycles = [(c.cycle, c.state, c.started_at) for c in report.clocks if c.metric is Metric.NEXT_RESPONSE]
    assert cycles == [(0, ClockState.FULFILLED, at(20)), (1, ClockState.BREACHED, at(60))]
    assert kinds(report, Metric.NEXT_RESPONSE, 0) == [("started", 20), ("fulfilled", 40)]
    assert kinds(report, Metric.NEXT_RESPONSE, 1) == [("started", 60), ("warned", 82.5), ("breached", 90)]


def test_a_quarantined_ticket_starts_its_clocks_when_released() -> None:
    report = run(Created(at(0), Priority.HIGH, status=Status.QUARANTINED), StatusChanged(at(30), Status.NEW), now=40)
    first = report.current(Metric.FIRST_RESPONSE)
    assert first is not None and (first.used, first.due_at) == (timedelta(minutes=10), at(90))
    assert kinds(report, Metric.FIRST_RESPONSE) == [("started", 0), ("paused", 0), ("resumed", 30)]


def test_business_hours_start_at_the_next_open_minute_and_calendar_targets_count_every_minute() -> None:
    jakarta = Calendar.weekly(
        "jakarta", "Asia/Jakarta", {d: ["08:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    )
    policy = Policy.from_dict(
        {
            "name": "office",
            "calendar": "jakarta",
            "targets": {"high": {"first_response": 120, "resolution": {"minutes": 1440, "basis": "calendar"}}},
        }
    )
    friday_16 = datetime(2026, 6, 5, 9, 0, tzinfo=UTC)  # 16:00 in Jakarta
    saturday = datetime(2026, 6, 6, 3, 0, tzinfo=UTC)
    monday_9, monday_10 = datetime(2026, 6, 8, 2, 0, tzinfo=UTC), datetime(2026, 6, 8, 3, 0, tzinfo=UTC)
    # Friday 16:00 + 2 h: one hour on Friday, one on Monday from 08:00; Saturday: both hours on Monday
    for start, due in ((friday_16, monday_9), (saturday, monday_10)):
        report = evaluate([Created(start, Priority.HIGH)], [policy], {"jakarta": jakarta}, start)
        first, resolution = report.current(Metric.FIRST_RESPONSE), report.current(Metric.RESOLUTION)
        assert first is not None and first.due_at == due
        assert resolution is not None and resolution.due_at == start + timedelta(days=1)
    with pytest.raises(NotFound, match="calendar jakarta does not exist"):
        evaluate([Created(saturday, Priority.HIGH)], [policy], {}, saturday)


def test_a_timeline_must_start_with_created_and_use_aware_instants() -> None:
    with pytest.raises(ValueError, match="first fact must be Created"):
        evaluate([PublicReply(at(-1)), created()], POLICIES, CALENDARS, at(5))
    with pytest.raises(ValueError, match="naive datetime"):
        evaluate([Created(datetime(2026, 1, 1))], POLICIES, CALENDARS, at(5))
    with pytest.raises(ValueError, match="empty timeline"):
        evaluate([], POLICIES, CALENDARS, at(5))


def test_the_report_serialises_to_json_types() -> None:
    report = run(created(), PublicReply(at(30)), now=61)
    first = report.current(Metric.FIRST_RESPONSE)
    assert first is not None
    assert first.to_dict()["state"] == "fulfilled" and first.to_dict()["stopped_at"] == "2026-06-01T02:30:00.000000Z"
    assert report.events[0].to_dict() == {
        "at": "2026-06-01T02:00:00.000000Z",
        "kind": "started",
        "metric": "first_response",
        "cycle": 0,
        "due_at": "2026-06-01T03:00:00.000000Z",
        "reason": "",
    }


# ---- properties of the replay ------------------------------------------------------------------------------------

OFFICE = Calendar.weekly(
    "default", "Europe/Amsterdam", {d: ["09:00-12:00", "13:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
)
steps = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=3000),
        st.sampled_from(
            ["open", "pending", "on_hold", "resolved", "customer", "reply", "high", "low", "vip", "vendors"]
        ),
    ),
    max_size=12,
)


def timeline(plan: list[tuple[int, str]]) -> list[Fact]:
    facts: list[Fact] = [Created(T0, Priority.NORMAL, group="support")]
    moment = T0
    for gap, step in plan:
        moment += timedelta(minutes=gap)
        if step in ("open", "pending", "on_hold", "resolved"):
            facts.append(StatusChanged(moment, Status(step)))
        elif step == "customer":
            facts.append(CustomerMessage(moment))
        elif step == "reply":
            facts.append(PublicReply(moment))
        elif step in ("high", "low"):
            facts.append(PriorityChanged(moment, Priority(step)))
        else:
            facts.append(GroupChanged(moment, step))
    return facts


@settings(max_examples=40, deadline=None)
@given(steps, st.integers(min_value=0, max_value=5000), st.randoms(use_true_random=False))
def test_the_same_timeline_replays_to_the_same_deadlines(
    plan: list[tuple[int, str]], extra: int, rng: random.Random
) -> None:
    facts = timeline(plan)
    now = facts[-1].at + timedelta(minutes=extra)
    report = evaluate(facts, POLICIES, {"default": OFFICE}, now)
    shuffled = facts[:]
    rng.shuffle(shuffled)  # instants are distinct: the order they are stored in does not matter
    assert evaluate(shuffled, POLICIES, {"default": OFFICE}, now) == report
    # as time moves on without new facts, what was reported stays, and the due instant is where it breaches
    later = evaluate(facts, POLICIES, {"default": OFFICE}, now + timedelta(days=40))
    assert [e for e in later.events if e.at <= now] == list(report.events)
    for clock in report.clocks:
        if clock.state is ClockState.RUNNING and clock.due_at is not None:
            breached = [
                e
                for e in later.events
                if e.kind is EventKind.BREACHED and (e.metric, e.cycle) == (clock.metric, clock.cycle)
            ]
            assert [e.at for e in breached] == [clock.due_at]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=4000), st.sampled_from(["open", "pending", "resolved", "customer"])
        ),
        max_size=12,
    ),
    st.integers(min_value=0, max_value=5000),
)
def test_paused_and_resolved_time_never_counts(plan: list[tuple[int, str]], extra: int) -> None:
    facts = timeline(plan)
    now = facts[-1].at + timedelta(minutes=extra)
    report = evaluate(facts, [STANDARD], {"default": OFFICE}, now)
    # the resolution clock's used time, recomputed here from the statuses alone
    status, since, used = Status.NEW, T0, timedelta(0)
    for fact in [*facts[1:], StatusChanged(now, Status.NEW)]:
        if status not in (Status.PENDING, Status.RESOLVED):
            used += OFFICE.elapsed(since, fact.at)
        since = fact.at
        if isinstance(fact, StatusChanged):
            status = fact.status
        elif isinstance(fact, CustomerMessage) and status in (Status.PENDING, Status.RESOLVED):
            status = Status.OPEN
    resolution = report.current(Metric.RESOLUTION)
    assert resolution is not None and resolution.used == used
