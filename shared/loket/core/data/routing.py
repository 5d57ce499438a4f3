"""Routing repository: the rules and the rule set's settings, in one partition of the table (GetItem and Query only).

A rule is stored as its document (the routing feature's model, as JSON), its position and a version; changes are
conditional on the version read (If-Match), a reorder rewrites every position in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from loket.core.data import keys
from loket.core.data.models import RoutingSettingsItem, RuleItem, transaction_connection
from loket.core.domain.clock import iso, now
from loket.core.domain.errors import NotFound, StaleVersion


@dataclass(frozen=True)
class StoredRule:
    rule_id: str
    position: int
    document: dict[str, Any]
    version: int


@dataclass(frozen=True)
class StoredSettings:
    mode: str
    default_group: str
    version: int


def _failed_condition(exc: Exception) -> bool:
    return "ConditionalCheckFailed" in str(getattr(exc, "cause_response_code", "") or exc)


def _rule(item: RuleItem) -> StoredRule:
    return StoredRule(item.rule_id, int(item.position), dict(item.document or {}), int(item.version))


def _rule_item(rule_id: str) -> RuleItem | None:
    try:
        return RuleItem.get(keys.ROUTING_PK, keys.rule_sk(rule_id), consistent_read=True)
    except DoesNotExist:
        return None


# --- rules ----------------------------------------------------------------------------------------


def list_rules() -> list[StoredRule]:
    """Every rule, in position order (one Query on the routing partition)."""
    items = RuleItem.query(keys.ROUTING_PK, RuleItem.sk.startswith(keys.RULE_PREFIX), consistent_read=True)
    return sorted((_rule(i) for i in items), key=lambda r: (r.position, r.rule_id))


def get_rule(rule_id: str) -> StoredRule | None:
    item = _rule_item(rule_id)
    return _rule(item) if item is not None else None


def create_rule(rule_id: str, position: int, document: dict[str, Any]) -> StoredRule:
    item = RuleItem(keys.ROUTING_PK, keys.rule_sk(rule_id), item_type="rule", rule_id=rule_id, position=position)
    item.document = document
    item.updated_at = iso(now())
    item.save(condition=RuleItem.pk.does_not_exist())  # ids are random: a clash is a bug, not a conflict to hide
    return _rule(item)


def replace_rule(rule_id: str, document: dict[str, Any], expected: int) -> StoredRule:
    """Replace the document of version `expected` (its position stays)."""
    item = _rule_item(rule_id)
    if item is None:
        raise NotFound("rule", rule_id)
    if int(item.version) != expected:
        raise StaleVersion("rule", rule_id, expected, int(item.version))
    item.document = document
    item.updated_at = iso(now())
    try:
        item.save()  # conditional on the version read
    except PutError as exc:
        if _failed_condition(exc):
            raise StaleVersion("rule", rule_id, expected) from exc
        raise
    return _rule(item)


def delete_rule(rule_id: str, expected: int) -> None:
    item = _rule_item(rule_id)
    if item is None:
        raise NotFound("rule", rule_id)
    if int(item.version) != expected:
        raise StaleVersion("rule", rule_id, expected, int(item.version))
    try:
        item.delete()  # conditional on the version read
    except DeleteError as exc:
        if _failed_condition(exc):
            raise StaleVersion("rule", rule_id, expected) from exc
        raise


def reorder(rules: Sequence[StoredRule]) -> None:
    """Give each rule its index in `rules` as position, in one transaction, each conditional on the version read
    (a rule changed meanwhile fails the whole reorder with StaleVersion). At most 100 rules (DynamoDB's limit)."""
    try:
        with TransactWrite(connection=transaction_connection()) as tx:
            for position, rule in enumerate(rules):
                item = RuleItem(keys.ROUTING_PK, keys.rule_sk(rule.rule_id), version=rule.version)
                tx.update(item, actions=[RuleItem.position.set(position), RuleItem.updated_at.set(iso(now()))])
    except TransactWriteError as exc:
        reasons = [r.code if r is not None else None for r in (exc.cancellation_reasons or [])]
        failed = [rules[n].rule_id for n, r in enumerate(reasons) if r == "ConditionalCheckFailed" and n < len(rules)]
        if failed or "TransactionConflict" in reasons:
            raise StaleVersion("rule", failed[0] if failed else "order", None) from exc
        raise


# --- settings -------------------------------------------------------------------------------------


def get_settings() -> StoredSettings | None:
    try:
        item = RoutingSettingsItem.get(keys.ROUTING_PK, keys.ROUTING_SETTINGS_SK, consistent_read=True)
    except DoesNotExist:
        return None
    return StoredSettings(item.mode, item.default_group, int(item.version))


def save_settings(mode: str, default_group: str, expected: int) -> StoredSettings:
    """Write the settings of version `expected` (0: none saved yet)."""
    try:
        item = RoutingSettingsItem.get(keys.ROUTING_PK, keys.ROUTING_SETTINGS_SK, consistent_read=True)
    except DoesNotExist:
        item = RoutingSettingsItem(keys.ROUTING_PK, keys.ROUTING_SETTINGS_SK, item_type="routing_settings")
    current = int(item.attribute_values.get("version") or 0)
    if current != expected:
        raise StaleVersion("routing settings", "routing", expected, current)
    item.mode, item.default_group, item.updated_at = mode, default_group, iso(now())
    try:
        item.save()  # conditional: absent when new, else on the version read
    except PutError as exc:
        if _failed_condition(exc):
            raise StaleVersion("routing settings", "routing", expected) from exc
        raise
    return StoredSettings(item.mode, item.default_group, int(item.version))
