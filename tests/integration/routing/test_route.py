"""route() on moto: the rule set's decision applied once, as the router, with one audit entry naming the rule; a
re-delivered or replayed event changes nothing; what a person chose stands."""

from __future__ import annotations

from typing import Any

import pytest

from loket.core import directory, events
from loket.core import tickets as svc
from loket.core.data import keys
from loket.core.data import tickets as repo
from loket.core.data.models import OutboxItem
from loket.core.domain.directory import Agent, Group
from loket.core.domain.ticket import Actor, Channel
from loket.core.events import EventType
from loket.features.routing import ruleset
from loket.features.routing.engine import RuleRef, route
from loket.features.routing.rules import RuleIn
from tests.support.botocore_hooks import before_first

pytestmark = pytest.mark.usefixtures("aws")

CUSTOMER = Actor(kind="customer", id="rina@acme.co.id", email="rina@acme.co.id")
AGENT = Actor(kind="agent", id="agent-budi", email="budi@loket.example")


@pytest.fixture(autouse=True)
def groups(aws: None) -> None:
    for name in ("support", "billing", "technical", "general"):
        directory.save_group(Group(name))
    directory.save_agent(Agent("sub-sari", "sari@loket.example", "Sari", groups=("billing",)))


def _rule(name: str, field: str, operator: str, value: Any, **actions: Any) -> RuleIn:
    return RuleIn.model_validate(
        {
            "name": name,
            "conditions": {"all": [{"field": field, "operator": operator, "value": value}]},
            "actions": actions,
        }
    )


def _ticket(subject: str, body: str = "Tolong dibantu.", email: str = "rina@acme.co.id", **values: Any) -> str:
    new = svc.NewTicket(subject=subject, body_text=body, requester_email=email, channel=Channel.EMAIL, **values)
    ticket, _ = svc.create_ticket(new, CUSTOMER)
    return ticket.ticket_id


def _events(ticket_id: str) -> list[Any]:
    items = OutboxItem.query(keys.ticket_pk(ticket_id), OutboxItem.sk.startswith("EVENT#"), consistent_read=True)
    return [events.parse(i.payload) for i in items]


def _routing_entries(ticket_id: str) -> list[Any]:
    return [a for a in repo.list_audit(ticket_id) if a.field == "routing"]


def test_a_billing_word_routes_to_billing_with_one_audit_entry_naming_the_rule() -> None:
    billing = ruleset.create(
        _rule(
            "Billing words",
            "subject_or_body",
            "matches",
            "invoice|refund|payment|tagihan|pembayaran",
            group="billing",
            priority="high",
            tags_add=["billing"],
        )
    )
    ticket_id = _ticket("Tagihan bulan November", "Jumlahnya salah.")

    decision = route(ticket_id, "event-1")

    assert (decision.group, decision.assignee, decision.rule) == ("billing", None, RuleRef(billing.id, "Billing words"))
    assert decision.changes == {
        "group": {"old": "support", "new": "billing"},
        "priority": {"old": "normal", "new": "high"},
        "tags": {"old": [], "new": ["billing"]},
    }
    ticket = repo.get_ticket(ticket_id)
    assert (ticket.group, ticket.priority, ticket.tags) == ("billing", "high", ["billing"])
    [entry] = _routing_entries(ticket_id)
    assert (entry.actor_kind, entry.actor_id, entry.old) == ("system", "router", None)
    assert entry.new["rule"] == billing.id and entry.new["name"] == "Billing words"
    assert entry.new["group"] == "billing" and entry.new["event_id"] == "event-1"
    assert entry.new["changes"]["group"] == {"old": "support", "new": "billing"}
    assert [a.field for a in repo.list_audit(ticket_id)] == ["created", "routing"]  # one change, one entry
    updated = [e for e in _events(ticket_id) if e.type == EventType.TICKET_UPDATED]
    assert len(updated) == 1 and updated[0].actor.id == "router"
    assert set(updated[0].changes) == {"group", "priority", "tags"}
    assert repo.list_tickets(repo.TicketFilter(tag="billing"), 10, None)[0][0].ticket_id == ticket_id


def test_a_redelivered_or_replayed_event_never_routes_twice() -> None:
    ruleset.create(_rule("Errors", "body", "contains", ["error", "crash"], group="technical"))
    ticket_id = _ticket("Aplikasi", "The app shows an error.")
    first = route(ticket_id, "event-1")
    version = int(repo.get_ticket(ticket_id).version)
    written = len(_events(ticket_id))
    # the rule set changes before the replay: it must not matter
    ruleset.create(_rule("Everything", "channel", "is", "email", group="general"))

    again = route(ticket_id, "event-1")  # SQS delivers the same message twice
    replay = route(ticket_id, "event-from-an-archive-replay")

    for later in (again, replay):
        assert later.already and (later.group, later.rule) == ("technical", first.rule)
    assert int(repo.get_ticket(ticket_id).version) == version
    assert len(_events(ticket_id)) == written
    assert len(_routing_entries(ticket_id)) == 1


def test_no_matching_rule_sends_the_ticket_to_the_default_group_and_says_so() -> None:
    ruleset.create(_rule("Errors", "body", "contains", "error", group="technical"))
    ruleset.change_settings("first", "general", 0)
    ticket_id = _ticket("Hello", "Just saying thanks.")

    decision = route(ticket_id, "event-1")

    assert (decision.group, decision.rule, decision.default_group) == ("general", None, True)
    [entry] = _routing_entries(ticket_id)
    assert (entry.new["rule"], entry.new["group"], entry.new["default_group"]) == (None, "general", True)


def test_all_matches_apply_in_order_and_the_audit_entry_lists_them() -> None:
    tech = ruleset.create(_rule("Errors", "body", "contains", "error", group="technical", type="problem"))
    acme = ruleset.create(_rule("Acme", "requester_domain", "is", "acme.co.id", priority="urgent", tags_add=["acme"]))
    ruleset.change_settings("all", "support", 0)
    ticket_id = _ticket("Login", "An error after login.")

    decision = route(ticket_id, "event-1")

    assert [r.id for r in decision.rules] == [tech.id, acme.id] and decision.rule == RuleRef(tech.id, "Errors")
    ticket = repo.get_ticket(ticket_id)
    assert (ticket.group, ticket.ticket_type, ticket.priority, ticket.tags) == (
        "technical",
        "problem",
        "urgent",
        ["acme"],
    )
    [entry] = _routing_entries(ticket_id)
    assert entry.new["rules"] == [{"id": tech.id, "name": "Errors"}, {"id": acme.id, "name": "Acme"}]


def test_a_rule_that_assigns_opens_the_ticket_and_announces_the_assignment() -> None:
    ruleset.create(_rule("Refunds to Sari", "subject", "contains", "refund", group="billing", assignee="sub-sari"))
    ticket_id = _ticket("Refund please")

    decision = route(ticket_id, "event-1")

    assert (decision.group, decision.assignee) == ("billing", "sub-sari")
    ticket = repo.get_ticket(ticket_id)
    assert (ticket.assignee, ticket.status) == ("sub-sari", "open")
    assigned = [e for e in _events(ticket_id) if e.type == EventType.TICKET_ASSIGNED]
    assert [(e.assignee, e.actor.id) for e in assigned] == [("sub-sari", "router")]


def test_what_an_agent_chose_stands_and_the_rest_of_the_rule_applies() -> None:
    ruleset.create(
        _rule("Billing", "subject", "contains", "invoice", group="billing", priority="high", assignee="sub-sari")
    )
    ticket_id = _ticket("Invoice wrong")
    version = int(repo.get_ticket(ticket_id).version)
    svc.update_ticket(ticket_id, version, {"group": "technical", "assignee": "agent-budi"}, AGENT)

    decision = route(ticket_id, "event-1")

    ticket = repo.get_ticket(ticket_id)
    assert (ticket.group, ticket.assignee, ticket.priority) == ("technical", "agent-budi", "high")
    assert (decision.group, decision.assignee, decision.kept) == ("technical", None, ("group", "assignee"))
    [entry] = _routing_entries(ticket_id)
    assert entry.new["kept"] == ["group", "assignee"] and set(entry.new["changes"]) == {"priority"}


def test_a_ticket_opened_in_a_group_keeps_it() -> None:
    ruleset.create(_rule("Billing", "subject", "contains", "invoice", group="billing"))
    ticket_id = _ticket("Invoice wrong", group="technical")  # an agent opened it through the API with a group

    decision = route(ticket_id, "event-1")

    assert (decision.group, decision.kept) == ("technical", ("group",))
    assert repo.get_ticket(ticket_id).group == "technical"


def test_a_quarantined_ticket_is_not_routed_until_it_is_released() -> None:
    ruleset.create(_rule("Billing", "subject", "contains", "invoice", group="billing"))
    ticket_id = _ticket("Invoice", quarantine_reason="spam verdict FAIL")

    held = route(ticket_id, "event-1")
    assert (held.skipped, held.group) == ("quarantined", "support")
    assert _routing_entries(ticket_id) == []

    svc.release(ticket_id, AGENT)
    released = route(ticket_id, "event-2")
    assert (released.skipped, released.group) == (None, "billing")


def test_an_agent_moving_the_ticket_while_the_router_decides_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    ruleset.create(_rule("Billing", "subject", "contains", "invoice", group="billing", tags_add=["billing"]))
    ticket_id = _ticket("Invoice wrong")
    version = int(repo.get_ticket(ticket_id).version)

    def agent_moves_it() -> None:
        svc.update_ticket(ticket_id, version, {"group": "technical"}, AGENT)

    with before_first(monkeypatch, "TransactWriteItems", agent_moves_it):
        decision = route(ticket_id, "event-1")

    ticket = repo.get_ticket(ticket_id)
    assert (ticket.group, ticket.tags, decision.kept) == ("technical", ["billing"], ("group",))
    assert len(_routing_entries(ticket_id)) == 1


def test_a_ticket_no_rule_moves_is_not_written_to() -> None:
    """No rule matched and the ticket is already in the default group: route() writes nothing, so an agent who opened
    the new ticket can change it with the version they read."""
    ruleset.create(_rule("Errors", "body", "contains", "error", group="technical"))
    ticket_id = _ticket("Hello", "Just saying thanks.")
    version = repo.get_ticket(ticket_id).version

    decision = route(ticket_id, "event-1")

    assert (decision.group, decision.rule, decision.changes) == (repo.get_ticket(ticket_id).group, None, {})
    assert repo.get_ticket(ticket_id).version == version
    assert _routing_entries(ticket_id) == []


def test_a_ticket_mailed_to_a_group_address_is_moved_by_a_rule_but_never_by_the_default_group() -> None:
    ruleset.change_settings("first", "general", 0)
    ruleset.create(_rule("Billing words", "subject", "contains", "invoice", group="billing"))
    mailed = {svc.GROUP_ADDRESS: {"group": "technical", "address": "technical@loket.example"}}
    moved = _ticket("Invoice twice", group="technical", extra=mailed)
    stays = _ticket("Printer on fire", group="technical", extra=mailed)

    by_rule = route(moved, "event-1")
    no_rule = route(stays, "event-2")

    assert (by_rule.group, by_rule.changes) == ("billing", {"group": {"old": "technical", "new": "billing"}})
    assert repo.get_ticket(moved).group == "billing"
    assert (no_rule.group, no_rule.default_group, no_rule.changes) == ("technical", True, {})
    assert repo.get_ticket(stays).group == "technical"
    assert _routing_entries(stays) == []
