"""The event contract: one fixture per event type (events/bus/<type>.json, the bus event a consumer's queue
message carries) that validates against its model, and the rules that route them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from loket.channels.email import notify
from loket.core import events
from loket.core.events import EventType
from loket_local.patterns import EventPattern
from loket_local.template import load_template

BUS_EVENTS = Path(__file__).resolve().parent.parent.parent / "events" / "bus"


def _envelope(event_type: EventType) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((BUS_EVENTS / f"{event_type.value}.json").read_text())
    return loaded


@pytest.mark.parametrize("event_type", list(EventType), ids=lambda t: t.value)
def test_every_event_type_has_a_fixture_that_validates_against_its_model(event_type: EventType) -> None:
    envelope = _envelope(event_type)

    event = events.parse(envelope["detail"])

    assert type(event) is events.MODELS[event_type]
    assert envelope["detail-type"] == event.type == event_type
    assert envelope["source"] == events.SOURCE
    assert event.schema_version == 1 and event.actor.id
    if event_type in events.TICKET_EVENTS:
        assert event.ticket_version >= 1 and event.ticket_number >= 1
    else:
        assert not hasattr(event, "ticket_id")


def test_the_ticket_events_are_every_type_but_the_agents() -> None:
    assert set(EventType) - events.TICKET_EVENTS == {EventType.AGENT_CHANGED}


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(ticket_id="3f1c2a9e8b7d4c6a9e0f1a2b3c4d5e6f"),  # an agent event is about no ticket
        lambda d: d.update(availability="busy"),
        lambda d: d.update(capacity=-1),
        lambda d: d.pop("agent_id"),
    ],
    ids=["ticket-field", "unknown-availability", "negative-capacity", "no-agent"],
)
def test_an_agent_event_off_the_contract_is_refused(change: Any) -> None:
    detail = _envelope(EventType.AGENT_CHANGED)["detail"]
    change(detail)

    with pytest.raises(ValidationError):
        events.parse(detail)


def test_the_fixtures_are_exactly_the_event_types() -> None:
    assert {p.stem for p in BUS_EVENTS.glob("*.json")} == {t.value for t in EventType}


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(schema_version=2),
        lambda d: d.update(type="ticket.exploded"),
        lambda d: d.pop("actor"),
        lambda d: d.pop("ticket_version"),
        lambda d: d.update(unexpected="field"),
        lambda d: d.update(kind="internal_note"),  # a note is never a message.added
        lambda d: d["actor"].update(kind="robot"),
    ],
    ids=["version-2", "unknown-type", "no-actor", "no-version", "extra-field", "note-as-message", "bad-actor"],
)
def test_an_event_off_the_contract_is_refused(change: Any) -> None:
    detail = _envelope(EventType.MESSAGE_ADDED)["detail"]
    change(detail)

    with pytest.raises(ValidationError):
        events.parse(detail)


def test_events_parse_from_json_text_too() -> None:
    detail = _envelope(EventType.TICKET_ASSIGNED)["detail"]

    assert events.parse(json.dumps(detail)) == events.parse(detail)


def _notifier_rule() -> EventPattern:
    return EventPattern.load(load_template()["Resources"]["NotifierRule"]["Properties"]["EventPattern"])


@pytest.mark.parametrize("event_type", list(EventType), ids=lambda t: t.value)
def test_the_notifier_rule_routes_exactly_the_types_the_notifier_mails(event_type: EventType) -> None:
    assert _notifier_rule().matches(_envelope(event_type)) is (event_type in notify.MAILED_EVENTS)


def test_an_event_from_another_source_is_not_routed_to_the_notifier() -> None:
    envelope = {**_envelope(EventType.TICKET_CREATED), "source": "someone.else"}

    assert not _notifier_rule().matches(envelope)


def _router_rule() -> EventPattern:
    return EventPattern.load(load_template()["Resources"]["RouterRule"]["Properties"]["EventPattern"])


@pytest.mark.parametrize("event_type", list(EventType), ids=lambda t: t.value)
def test_the_router_rule_routes_exactly_the_types_the_router_consumes(event_type: EventType) -> None:
    from loket.features.routing import assignment

    assert _router_rule().matches(_envelope(event_type)) is (event_type.value in assignment.CONSUMED)
