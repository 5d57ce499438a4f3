"""A ticket's SLA on AWS: its timeline, its clocks, the due index, and what happens when a clock warns, breaches or
is fulfilled. Used by the SLA consumer (a fact per ticket event) and by the sweep (no new fact: time passed).

The timeline is kept in the ticket's SLA item (PK `TICKET#<id>`, SK `SLA`) as the facts the engine replays
(`clock.Created`, `StatusChanged`, ...), each under the id of the event that brought it: a repeated event adds
nothing. Kept rather than derived from the audit trail because `ticket.created` does not carry the ticket's first
priority, group or tags, and because one GetItem is cheaper than reading the conversation and the audit trail on
every event and every sweep; it is still derived only from the events, so it replays to the same clocks.

`sync` reads the item, adds the facts, evaluates at `now`, and writes in one transaction conditioned on the item's
version: the clocks (`clocks`), the due-index keys (`SLAPK`/`SLASK`: the next instant a running clock warns or
breaches; none when nothing runs), an audit entry per new SLA event (field `sla`, actor system `sla`, at the
event's instant), `sla.warned` / `sla.breached` / `sla.fulfilled` on the bus through the outbox, and on a new breach
the escalation (priority one step up, once per metric and ticket: `escalated`). Two writers racing (the consumer and
the sweep, two overlapping sweeps) cannot both commit; the loser reads again and finds the events recorded, so
nothing is done twice. A warning, breach or fulfilment is recorded once per metric and cycle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError

from loket.core import events as contract
from loket.core import tickets as ticket_cases
from loket.core.data import keys
from loket.core.data import sla as repo
from loket.core.data import tickets as ticket_repo
from loket.core.data.models import AuditItem, SlaStateItem, TicketItem, _Base
from loket.core.domain.clock import iso, parse_iso
from loket.core.domain.errors import TicketNotFound, VersionConflict
from loket.core.domain.ticket import AuditEvent, Priority, Status
from loket.features.sla import store
from loket.features.sla.automation import earliest, plan
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
    SlaEvent,
    SlaReport,
    StatusChanged,
    TagsChanged,
    TypeChanged,
    evaluate,
)
from loket.features.sla.policy import Policy
from loket.features.sla.settings import AutomationSettings
from loket.platform import config

ATTEMPTS = 5
_ONCE = (EventKind.WARNED, EventKind.BREACHED, EventKind.FULFILLED)  # recorded once per metric and cycle
_BUS = {
    EventKind.WARNED: contract.EventType.SLA_WARNED,
    EventKind.BREACHED: contract.EventType.SLA_BREACHED,
    EventKind.FULFILLED: contract.EventType.SLA_FULFILLED,
}
_UP = {Priority.LOW: Priority.NORMAL, Priority.NORMAL: Priority.HIGH, Priority.HIGH: Priority.URGENT}


@dataclass(frozen=True)
class Rules:
    """The policies and calendars in force, read once per batch or sweep run."""

    policies: Sequence[Policy]
    calendars: Mapping[str, Calendar]
    automation: AutomationSettings = field(default_factory=AutomationSettings)

    @classmethod
    def load(cls) -> Rules:
        return cls(store.effective_policies(), store.effective_calendars(), config.load(AutomationSettings))


@dataclass
class Outcome:
    ticket_id: str
    added: int = 0  # facts added
    recorded: list[str] = field(default_factory=list)  # SLA events recorded now
    published: list[str] = field(default_factory=list)  # bus events
    escalated_to: str | None = None
    next_check: str | None = None
    automation_due: str | None = None  # when the next time-based automation is due (loket.features.sla.automation)


# --- facts as stored ------------------------------------------------------------------------------


def fact_to_dict(fact: Fact, fact_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": fact_id, "kind": type(fact).__name__, "at": iso(fact.at)}
    match fact:
        case Created():
            out.update(priority=fact.priority.value, group=fact.group, channel=fact.channel,
                       requester_email=fact.requester_email, tags=sorted(fact.tags), type=fact.type,
                       status=fact.status.value)  # fmt: skip
        case StatusChanged(status=status):
            out["status"] = status.value
        case PriorityChanged(priority=priority):
            out["priority"] = priority.value
        case GroupChanged(group=group):
            out["group"] = group
        case TagsChanged(tags=tags):
            out["tags"] = sorted(tags)
        case TypeChanged(type=type_):
            out["type"] = type_
    return out


def fact_from_dict(data: Mapping[str, Any]) -> Fact:
    at = parse_iso(data["at"])
    match data["kind"]:
        case "Created":
            return Created(at, Priority(data["priority"]), data.get("group"), data.get("channel"),
                           data.get("requester_email") or "", frozenset(data.get("tags") or ()), data.get("type"),
                           Status(data["status"]))  # fmt: skip
        case "StatusChanged":
            return StatusChanged(at, Status(data["status"]))
        case "CustomerMessage":
            return CustomerMessage(at)
        case "PublicReply":
            return PublicReply(at)
        case "PriorityChanged":
            return PriorityChanged(at, Priority(data["priority"]))
        case "GroupChanged":
            return GroupChanged(at, data.get("group"))
        case "TagsChanged":
            return TagsChanged(at, frozenset(data.get("tags") or ()))
        case "TypeChanged":
            return TypeChanged(at, data.get("type"))
        case "Merged":
            return Merged(at)
    raise ValueError(f"unknown SLA fact {data['kind']!r}")


def created_from(ticket: TicketItem, status: str | None = None) -> Created:
    return Created(
        at=parse_iso(ticket.created_at),
        priority=Priority(ticket.priority),
        group=ticket.group,
        channel=ticket.channel,
        requester_email=ticket.requester_email,
        tags=frozenset(ticket.tags or ()),
        type=ticket.ticket_type,
        status=Status(status or (Status.QUARANTINED.value if ticket.status == Status.QUARANTINED.value else "new")),
    )


def facts_of_event(event: Any) -> list[Fact]:
    """The timeline facts a ticket event brings (none for events that change no clock)."""
    at = parse_iso(event.at)
    kind = event.type
    if kind == contract.EventType.TICKET_UPDATED:
        facts: list[Fact] = []
        for name, change in event.changes.items():
            new = change.new
            if name == "status" and new:
                facts.append(StatusChanged(at, Status(new)))
            elif name == "priority" and new:
                facts.append(PriorityChanged(at, Priority(new)))
            elif name == "group":
                facts.append(GroupChanged(at, new))
            elif name == "tags":
                facts.append(TagsChanged(at, frozenset(new or ())))
            elif name == "ticket_type":
                facts.append(TypeChanged(at, new))
        return facts
    if kind == contract.EventType.MESSAGE_ADDED:
        if event.kind == "customer_message":
            return [] if event.automatic else [CustomerMessage(at)]
        return [PublicReply(at)] if event.actor.kind == "agent" else []  # an acknowledgement answers nothing
    if kind == contract.EventType.TICKET_MERGED:
        return [Merged(at)]
    if kind == contract.EventType.TICKET_RELEASED:
        return [StatusChanged(at, Status.NEW)]
    return []


# --- evaluating and acting ------------------------------------------------------------------------


def timeline(state: SlaStateItem) -> list[Fact]:
    return [fact_from_dict(f) for f in state.facts or []]


def _key(event: SlaEvent) -> str:
    if event.kind in _ONCE:
        return f"{event.metric.value}:{event.cycle}:{event.kind.value}"
    return f"{event.metric.value}:{event.cycle}:{event.kind.value}:{iso(event.at)}"


def summary(report: SlaReport) -> dict[str, Any]:
    next_check = report.next_check()
    return {
        "policy": report.policy,
        "priority": report.priority.value,
        "evaluated_at": iso(report.now),
        "next_check": iso(next_check) if next_check else None,
        "clocks": [c.to_dict() for c in report.clocks],
    }


def _audit(ticket_id: str, event: SlaEvent, policy: str | None) -> AuditItem:
    at = iso(event.at)
    name = f"sla-{event.metric.value}-{event.cycle}-{event.kind.value}"
    entry = AuditEvent(ticket_cases.SLA, "sla", None, {**event.to_dict(), "policy": policy}, event.at)
    return ticket_repo.audit_item(ticket_id, keys.named_audit_sk(at, name), entry, at)


def _bus_event(ticket: TicketItem, event: SlaEvent, report: SlaReport) -> Any:
    clock = next(c for c in report.clocks if c.metric is event.metric and c.cycle == event.cycle)
    due = clock.breached_at or clock.due_at
    return ticket_repo.outbox_item(
        contract.build(
            _BUS[event.kind],
            actor=ticket_cases.SLA,
            at=iso(event.at),
            ticket_id=ticket.ticket_id,
            ticket_number=int(ticket.number),
            ticket_version=int(ticket.version),
            metric=event.metric.value,
            cycle=event.cycle,
            policy=clock.policy,
            target_minutes=clock.target.minutes,
            due_at=iso(due) if due else None,
            group=ticket.group,
            assignee=ticket.assignee,
            priority=ticket.priority,
        )
    )


def sync(ticket_id: str, rules: Rules, now: datetime, event: Any = None) -> Outcome | None:
    """Add the facts of `event` (None: none, the sweep) to the ticket's SLA timeline, evaluate at `now` and record
    and act on what is new; see the module docstring. None when the ticket does not exist.

    A ticket's SLA time never goes back: evaluated at `now` or at the time the item was last evaluated, whichever is
    later, so a consumer whose clock is behind a sweep's (a sweep run as of a later time, a lagging consumer) does
    not show a recorded breach as running again."""
    outcome = Outcome(ticket_id)
    for _attempt in range(ATTEMPTS):
        try:
            ticket = ticket_repo.get_ticket(ticket_id)
        except TicketNotFound:
            return None
        state = repo.get_state(ticket_id)
        if state is None:
            state = repo.new_state(ticket_id)
            first = getattr(event, "status", None) if event is not None and event.type == "ticket.created" else None
            state.facts = [fact_to_dict(created_from(ticket, first), "created")]
        evaluated = (state.clocks or {}).get("evaluated_at")
        at = max(now, parse_iso(evaluated)) if evaluated else now  # a ticket's SLA time never goes back (see sync)
        facts = list(state.facts or [])
        added = 0
        if event is not None and not any(f["id"].split("/")[0] == event.event_id for f in facts):
            for n, fact in enumerate(facts_of_event(event)):
                facts.append(fact_to_dict(fact, f"{event.event_id}/{n}"))
                added += 1
        state.facts = facts
        report = evaluate(timeline(state), rules.policies, rules.calendars, at)
        recorded = set(state.recorded or [])
        fresh = [e for e in report.events if _key(e) not in recorded]
        auto = plan(timeline(state), state.automation or {}, rules.automation)
        auto_due = auto.to_dict() if auto else None
        if not fresh and not added and state.attribute_values.get("version") is not None:
            next_check = report.next_check()
            if state.clocks.get("next_check") == (iso(next_check) if next_check else None) and (
                state.clocks.get("automation") == auto_due
            ):
                outcome.next_check = earliest(state.clocks.get("next_check"), auto_due["due_at"] if auto_due else None)
                outcome.automation_due = auto_due["due_at"] if auto_due else None
                return outcome  # nothing new: no write
        items: dict[str, _Base] = {}
        bus = []
        for e in fresh:
            audit = _audit(ticket_id, e, report.policy)
            items[str(audit.sk)] = audit
            clock = next((c for c in report.clocks if c.metric is e.metric and c.cycle == e.cycle), None)
            if (
                e.kind in _BUS
                and clock is not None
                and not (e.kind is EventKind.FULFILLED and clock.state is ClockState.BREACHED)
            ):
                bus.append(_bus_event(ticket, e, report))
        state.recorded = [*(state.recorded or []), *dict.fromkeys(_key(e) for e in fresh)]
        state.clocks = {**summary(report), "automation": auto_due}
        next_check = report.next_check()
        due_at = earliest(iso(next_check) if next_check else None, auto_due["due_at"] if auto_due else None)
        repo.set_due(state, due_at)  # the earlier of the clocks' next check and the next automation
        escalate = [
            e.metric.value
            for e in fresh
            if e.kind is EventKind.BREACHED and e.metric.value not in (state.escalated or [])
        ]
        raise_to = _UP.get(Priority(ticket.priority)) if escalate and ticket.status not in ("closed",) else None
        if escalate:
            state.escalated = [*(state.escalated or []), *dict.fromkeys(escalate)]
        others = [*items.values(), *bus]
        try:
            if raise_to is not None:
                record = {"escalated": escalate, "priority": {"old": ticket.priority, "new": raise_to.value}}
                ticket_cases.escalate_priority(ticket, raise_to, record, [state, *others])
            elif not repo.save_state(state, others):
                continue
        except (VersionConflict, TransactWriteError):
            continue  # the ticket or its SLA item moved on: read both again
        outcome.added = added
        outcome.recorded = [_key(e) for e in fresh]
        outcome.published = [str(b.event_type) for b in bus]
        outcome.escalated_to = raise_to.value if raise_to else None
        outcome.next_check = due_at
        outcome.automation_due = auto_due["due_at"] if auto_due else None
        return outcome
    raise VersionConflict(ticket_id, None)
