"""The one-off fill of the `UnassignedIndex` keys for tickets written before the index existed.

`python -m loket.core.data.unassigned` (with the function's `TABLE_NAME` and AWS credentials in the environment)
walks the statuses a ticket nobody is assigned waits in (new, open, pending, on hold) on the `StatusIndex`, by
Query, never a Scan, and gives each unassigned ticket that lacks them the keys `index_ticket` derives
(`GSI5PK`/`GSI5SK`). The write is conditioned on the version read (so the ticket is still unassigned, in the same
status and group), and changes nothing else: no new version, no event, no audit entry (the keys are derived from the ticket's fields,
which stay as they are). A ticket that changed meanwhile is read again; one saved since has its keys already (every
save derives them). Running it twice, or stopping it and running it again, writes the same keys: it resumes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, UpdateError

from loket.core.data import keys
from loket.core.data.models import TicketItem
from loket.core.data.tickets import WAITING, index_ticket

_ATTEMPTS = 5


@dataclass
class Filled:
    written: int = 0  # tickets that got their keys now
    present: int = 0  # unassigned tickets that had them already
    read: int = 0  # tickets read (every status walked)


def _waiting_statuses() -> Iterator[TicketItem]:
    for status in sorted(WAITING):
        yield from TicketItem.status_index.query(keys.status_pk(status), page_size=100)


def _wanted(ticket: TicketItem) -> tuple[str, str] | None:
    """The keys the ticket should carry in the UnassignedIndex, or None when it belongs in no unassigned queue."""
    copy = TicketItem.from_raw_data(ticket.serialize())
    index_ticket(copy)
    return (copy.gsi5pk, copy.gsi5sk) if copy.gsi5pk and copy.gsi5sk else None


def backfill() -> Filled:
    """Give every unassigned waiting ticket its UnassignedIndex keys (see the module); returns the counts."""
    filled = Filled()
    connection = TicketItem._get_connection()
    for found in _waiting_statuses():
        filled.read += 1
        ticket = found
        for _attempt in range(_ATTEMPTS):
            wanted = _wanted(ticket)
            if wanted is None:
                break
            if (ticket.gsi5pk, ticket.gsi5sk) == wanted:
                filled.present += 1
                break
            condition = TicketItem.version == int(ticket.version)  # still unassigned, in the same status and group
            try:
                connection.update_item(
                    ticket.pk,
                    range_key=ticket.sk,
                    actions=[TicketItem.gsi5pk.set(wanted[0]), TicketItem.gsi5sk.set(wanted[1])],
                    condition=condition,
                )
            except UpdateError:  # changed since it was read: read it again
                try:
                    ticket = TicketItem.get(found.pk, found.sk, consistent_read=True)
                except DoesNotExist:
                    break
                continue
            filled.written += 1
            break
    return filled


def main() -> None:  # pragma: no cover - a command for operators: python -m loket.core.data.unassigned
    from loket.core.data.models import bind_data

    bind_data()
    filled = backfill()
    print(
        f"read {filled.read} tickets: {filled.written} unassigned tickets got their UnassignedIndex keys, "
        f"{filled.present} had them"
    )


if __name__ == "__main__":  # pragma: no cover
    main()
