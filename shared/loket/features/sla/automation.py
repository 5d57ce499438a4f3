"""Time-based automations: a resolved ticket closes after `auto_close_days`; a pending ticket gets a reminder to the
customer after `pending_reminder_days` and resolves `pending_resolve_days` after the reminder without a reply.

Found through the SLA item's due key, never by reading open tickets: `plan` reads the ticket's SLA timeline (the
status it is in and since when) and the automations already done (`SlaStateItem.automation`: key -> instant done),
and gives the next one; the tracker indexes the item under the earlier of the clocks' next check and that instant.
The sweep calls `run` for each item due: it re-reads the ticket and acts only if the ticket still is where the
timeline says (resolved since then; pending with no status change since), in one transaction conditioned on the
ticket's version and the SLA item's version. A customer reply in between opens the ticket (and changes its
version): nothing is done. Each automation is recorded under its key in that transaction, so two overlapping sweeps
act once.

The close and the resolve are ticket changes by the system actor `automation` (`loket.core.tickets.automate_status`:
audit field `automation`, `ticket.updated` on the bus); the reminder is the event `ticket.reminded` (the notifier can
mail it) with an audit entry, the ticket itself unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pynamodb.exceptions import TransactWriteError

from loket.core import events as contract
from loket.core import tickets as ticket_cases
from loket.core.data import keys
from loket.core.data import sla as repo
from loket.core.data import tickets as ticket_repo
from loket.core.data.models import AuditItem, SlaStateItem, TicketItem
from loket.core.domain.clock import iso, parse_iso
from loket.core.domain.errors import InvalidTransition, TicketNotFound, VersionConflict
from loket.core.domain.ticket import Action, AuditEvent, Status
from loket.features.sla.clock import Created, CustomerMessage, Fact, Merged, Reopened, StatusChanged
from loket.features.sla.settings import AutomationSettings

ATTEMPTS = 5


class Kind(StrEnum):
    CLOSE = "close"
    REMIND = "remind"
    RESOLVE = "resolve"


@dataclass(frozen=True)
class Due:
    kind: Kind
    at: datetime
    since: datetime  # when the ticket entered the status the automation is about

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{iso(self.since)}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "due_at": iso(self.at), "since": iso(self.since)}


def status_since(facts: Sequence[Fact]) -> tuple[Status, datetime] | None:
    """The ticket's status at the end of its timeline and the instant it entered it."""
    current: tuple[Status, datetime] | None = None
    for fact in facts:
        new: Status | None = None
        match fact:
            case Created(status=status):
                new = status
            case StatusChanged(status=status):
                new = status
            case CustomerMessage() if current and current[0] in (Status.PENDING, Status.RESOLVED):
                new = Status.OPEN  # as the ticket's transition table: a customer message opens it
            case Reopened():
                new = Status.OPEN
            case Merged():
                new = Status.CLOSED
        if new is not None and (current is None or new is not current[0]):
            current = (new, fact.at)
    return current


def plan(facts: Sequence[Fact], done: Mapping[str, str], settings: AutomationSettings) -> Due | None:
    """The next automation of the ticket (its instant may have passed), or None."""
    found = status_since(facts)
    if found is None:
        return None
    status, since = found
    if status is Status.RESOLVED:
        close = Due(Kind.CLOSE, since + timedelta(days=settings.auto_close_days), since)
        return None if close.key in done else close
    if status is Status.PENDING:
        remind = Due(Kind.REMIND, since + timedelta(days=settings.pending_reminder_days), since)
        if remind.key not in done:
            return remind
        resolve = Due(Kind.RESOLVE, parse_iso(done[remind.key]) + timedelta(days=settings.pending_resolve_days), since)
        return None if resolve.key in done else resolve
    return None


def earliest(*instants: str | None) -> str | None:
    present = [i for i in instants if i]
    return min(present, key=parse_iso) if present else None


def _still_due(ticket: TicketItem, due: Due, settings: AutomationSettings, now: datetime) -> bool:
    """Whether the ticket itself (not the timeline, which the consumer may not have caught up with) calls for it."""
    if due.kind is Kind.CLOSE:
        resolved_at = ticket.resolved_at
        return (
            ticket.status == Status.RESOLVED.value
            and resolved_at is not None
            and parse_iso(resolved_at) + timedelta(days=settings.auto_close_days) <= now
        )
    if ticket.status != Status.PENDING.value:
        return False
    # pending since `due.since` with no status change after it (one Query of the ticket's audit since then)
    later = AuditItem.query(
        f"TICKET#{ticket.ticket_id}",
        AuditItem.sk.between(f"AUDIT#{iso(due.since)}#\uffff", "AUDIT#\uffff"),
        filter_condition=AuditItem.field == "status",
        consistent_read=True,
    )
    return next(iter(later), None) is None


def _audit(ticket_id: str, due: Due, record: dict[str, Any], at: str) -> AuditItem:
    entry = AuditEvent(ticket_cases.AUTOMATION, "automation", None, record, parse_iso(at))
    return ticket_repo.audit_item(ticket_id, keys.named_audit_sk(at, f"automation-{due.kind.value}"), entry, at)


def _remind(ticket: TicketItem, state: SlaStateItem, due: Due, record: dict[str, Any], now: datetime) -> bool:
    at = iso(now)
    resolves_at = iso(now + timedelta(days=int(record["resolve_after_days"])))
    event = contract.build(
        contract.EventType.TICKET_REMINDED,
        actor=ticket_cases.AUTOMATION,
        at=at,
        ticket_id=ticket.ticket_id,
        ticket_number=int(ticket.number),
        ticket_version=int(ticket.version),
        pending_since=iso(due.since),
        resolves_at=resolves_at,
    )
    audit = _audit(ticket.ticket_id, due, {**record, "resolves_at": resolves_at}, at)
    return repo.save_state(state, [audit, ticket_repo.outbox_item(event)], ticket=ticket)


def run(ticket_id: str, settings: AutomationSettings, now: datetime) -> str | None:
    """Perform the ticket's automation if it is due at `now` and the ticket still calls for it; the kind done, or
    None. Idempotent: the automation is recorded with the SLA item's version in the same transaction."""
    for _attempt in range(ATTEMPTS):
        try:
            ticket = ticket_repo.get_ticket(ticket_id)
        except TicketNotFound:
            return None
        state = repo.get_state(ticket_id)
        if state is None:
            return None
        from loket.features.sla.tracker import timeline

        facts = timeline(state)
        done = dict(state.automation or {})
        due = plan(facts, done, settings)
        if due is None or due.at > now or not _still_due(ticket, due, settings, now):
            return None  # not yet, or the timeline is behind the ticket: the consumer's next fact re-plans
        done[due.key] = iso(now)
        state.automation = done
        following = plan(facts, done, settings)
        state.clocks = {**(state.clocks or {}), "automation": following.to_dict() if following else None}
        repo.set_due(state, earliest(state.clocks.get("next_check"), iso(following.at) if following else None))
        record: dict[str, Any] = {"automation": due.kind.value, "since": iso(due.since), "status": ticket.status}
        try:
            if due.kind is Kind.REMIND:
                record["resolve_after_days"] = settings.pending_resolve_days
                if not _remind(ticket, state, due, record, now):
                    continue
            else:
                record["after_days"] = (
                    settings.auto_close_days if due.kind is Kind.CLOSE else settings.pending_resolve_days
                )
                action = Action.AUTO_CLOSE if due.kind is Kind.CLOSE else Action.SET_RESOLVED
                ticket_cases.automate_status(ticket, action, record, [state])
        except (VersionConflict, TransactWriteError):
            continue  # the ticket or its SLA item moved on: read both again
        except InvalidTransition:
            return None
        return due.kind.value
    raise VersionConflict(ticket_id, None)
