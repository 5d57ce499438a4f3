"""The one-off fill of the load markers and counters for tickets assigned before the router existed.

`python -m loket.features.routing.loads` (with the function's `TABLE_NAME` and AWS credentials in the environment)
walks the statuses that count toward an agent's load (new, open) on the `StatusIndex`, by Query, never a Scan, and
reconciles each assigned ticket (`assignment.reconcile`): the ticket's load marker and the agent's counter move
together in one transaction conditioned on the ticket's version and the marker as read, exactly as the router does
for every event. A ticket whose marker already agrees is left alone, so running it twice, stopping it and running it
again, or running it while the router works, counts each ticket once: it resumes. It assigns nothing and never
changes a ticket; an agent it finds over capacity keeps their tickets and gets no new ones until below it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from loket.core.data import keys
from loket.core.data.models import TicketItem
from loket.features.routing.assignment import COUNTED, reconcile


@dataclass
class Counted:
    counted: int = 0  # tickets whose marker and counter were written now
    read: int = 0  # assigned new/open tickets read


def _assigned_and_counted() -> Iterator[TicketItem]:
    for status in sorted(COUNTED):
        for ticket in TicketItem.status_index.query(keys.status_pk(status), page_size=100):
            if ticket.assignee:
                yield ticket


def backfill() -> Counted:
    """Reconcile every assigned new or open ticket's load (see the module); returns the counts."""
    done = Counted()
    for ticket in _assigned_and_counted():
        done.read += 1
        before = _marker_agent(ticket.ticket_id)
        reconcile(ticket.ticket_id)
        if before != _marker_agent(ticket.ticket_id):
            done.counted += 1
    return done


def _marker_agent(ticket_id: str) -> str | None:
    from loket.features.routing.assignment import marker_of

    marker = marker_of(ticket_id)
    return marker.agent if marker else None


def main() -> None:  # pragma: no cover - a command for operators: python -m loket.features.routing.loads
    from loket.core.data.models import bind_data

    bind_data()
    done = backfill()
    print(f"read {done.read} assigned new or open tickets: {done.counted} now count toward their agent's load")


if __name__ == "__main__":  # pragma: no cover
    main()
