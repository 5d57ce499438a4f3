"""The router's handler on a new ticket: the rules pick the group (once), then assignment picks an agent of that
group; the audit trail says which rule routed it and how it was assigned. A ticket released from quarantine is
routed when it is let in, not before."""

from __future__ import annotations

from typing import Any

from loket.core.data import tickets as repo
from loket.core.domain.directory import AssignmentMode
from loket.features.routing import ruleset
from loket.features.routing.rules import RuleIn
from tests.integration.routing.conftest import Router, make_agent, make_group, open_ticket, ticket


def _billing_rule() -> None:
    rule = RuleIn.model_validate(
        {
            "name": "Billing words",
            "conditions": {"any": [{"field": "subject", "operator": "contains", "value": "tagihan"}]},
            "actions": {"group": "billing"},
        }
    )
    ruleset.create(rule)


def test_a_billing_ticket_lands_with_a_billing_agent_and_the_audit_names_the_rule(router: Router) -> None:
    make_group("support", AssignmentMode.MANUAL)
    make_group("billing", AssignmentMode.ROUND_ROBIN)
    make_agent("agent-rina", ("billing",))
    make_agent("agent-tono", ("support",))
    _billing_rule()
    router.deliver()

    billing = open_ticket("support", subject="Tagihan saya dobel")
    other = open_ticket("support", subject="Printer rusak")
    router.deliver()

    routed = ticket(billing.ticket_id)
    assert (routed.group, routed.assignee, routed.status) == ("billing", "agent-rina", "open")
    entries: list[Any] = [a.new for a in repo.list_audit(billing.ticket_id) if a.field == "routing"]
    assert any(e.get("name") == "Billing words" for e in entries), entries
    assert any(e.get("agent") == "agent-rina" and e.get("mode") == "round_robin" for e in entries), entries
    # no rule matched: the default group, manual there, so it waits unassigned
    untouched = ticket(other.ticket_id)
    assert (untouched.group, untouched.assignee) == ("support", None)

    # delivered again (at least once): nothing moves
    versions = (ticket(billing.ticket_id).version, ticket(other.ticket_id).version)
    assert router.deliver() == 0
    assert (ticket(billing.ticket_id).version, ticket(other.ticket_id).version) == versions
