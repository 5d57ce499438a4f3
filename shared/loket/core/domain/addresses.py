"""Mail addresses that are Loket's own: the support mailbox and the sender, with or without a plus-tag."""

from __future__ import annotations

from collections.abc import Iterable


def _local_and_domain(address: str) -> tuple[str, str]:
    local, _, domain = address.strip().lower().partition("@")
    return local.split("+", 1)[0], domain


def is_own_address(address: str, own_addresses: Iterable[str]) -> bool:
    """True for one of `own_addresses` (any case, any plus-tag): never answer or mail ourselves."""
    local, domain = _local_and_domain(address)
    return bool(local) and any(_local_and_domain(own) == (local, domain) for own in own_addresses)
