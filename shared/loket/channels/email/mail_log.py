"""What outbound mail leaves behind in the table: its Message-ID, so replies to it thread to the ticket.

Writes:
* a lookup item `MSGID#<id>` -> ticket (the same item inbound threading reads with `find_lookup`);
* the Message-ID on the public-reply entry the mail carried, so later mail lists it in References.

Both writes are idempotent: the Message-ID is derived from the outbox event, so a retry writes the
same values again.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import UpdateError

from loket.core.data import keys
from loket.core.data.models import EntryItem, OutboxItem
from loket.core.data.tickets import lookup_item


def record_sent_message(ticket_id: str, message_id: str, at: str, entry: EntryItem | None = None) -> None:
    """Point `message_id` at the ticket and, for a reply, stamp it on the entry (unless it has one)."""
    lookup_item(keys.message_id_pk(message_id), ticket_id, at).save()
    if entry is None or entry.message_id:
        return
    try:
        entry.update(
            actions=[EntryItem.message_id.set(message_id)],
            condition=EntryItem.message_id.does_not_exist(),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def created_event_payload(ticket_id: str) -> dict[str, Any] | None:
    """The payload of the ticket's `ticket.created` outbox event while it is kept (TTL: one week), else None.

    A Query on the ticket's partition (SK `EVENT#...`), filtered on the event type.
    """
    for item in OutboxItem.query(
        keys.ticket_pk(ticket_id),
        OutboxItem.sk.startswith("EVENT#"),
        filter_condition=OutboxItem.event_type == "ticket.created",
        consistent_read=True,
    ):
        return dict(item.payload or {})
    return None
