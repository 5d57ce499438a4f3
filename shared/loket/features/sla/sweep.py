"""The SLA sweep: what falls due, found through the sparse due index, never by reading open tickets.

`run(now)` queries each shard of `SlaDueIndex` (`SLAPK` `SLA#<shard>`, `SLASK` <= now) for at most `PER_SHARD`
tickets, re-reads each ticket and its SLA item and acts (`tracker.sync`: warn, breach, escalate, fulfil, next due
key) and performs the time-based automation due (`automation.run`: close, remind, resolve), conditioned on the
SLA item's version (and the ticket's), so two overlapping runs never act twice. Its reads grow with what is
due, not with what is stored; what is left over (more than `PER_SHARD` due in a shard) is the next run's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from loket.core.data import keys
from loket.core.data import sla as repo
from loket.core.domain.clock import iso, parse_iso
from loket.features.sla import automation, tracker

PER_SHARD = 25  # at most SLA_SHARDS x PER_SHARD tickets a run


@dataclass
class SweepResult:
    now: str
    due: int = 0
    acted: list[dict[str, Any]] = field(default_factory=list)
    left_over: bool = False


def run(now: datetime, per_shard: int = PER_SHARD) -> SweepResult:
    result = SweepResult(iso(now))
    rules: tracker.Rules | None = None
    for shard in range(keys.SLA_SHARDS):
        due = repo.due(shard, iso(now), per_shard)
        result.due += len(due)
        result.left_over = result.left_over or len(due) == per_shard
        for ticket_id in due:
            rules = rules or tracker.Rules.load()  # read once, and only when something is due
            outcome = tracker.sync(ticket_id, rules, now)
            if outcome is None:
                repo.drop_due(ticket_id)  # the ticket is gone: its SLA item leaves the index
                continue
            due_at = outcome.automation_due
            done = automation.run(ticket_id, rules.automation, now) if due_at and parse_iso(due_at) <= now else None
            if outcome.recorded or done:
                result.acted.append({**vars(outcome), "automation": done})
    return result
