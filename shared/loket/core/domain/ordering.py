"""Ordered admin objects (routing rules, SLA policies): a new order must name every object exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from loket.core.domain.errors import Unprocessable


def check_order(order: Sequence[str], current: Iterable[str], kind: str) -> None:
    """Refuse (Unprocessable, naming each problem) an `order` that names an id twice, an id that is not among
    `current`, or leaves one of `current` out."""
    known = set(current)
    twice = sorted(i for i, n in Counter(order).items() if n > 1)
    unknown = sorted(set(order) - known)
    missing = sorted(known - set(order))
    problems = [f"{what}: {', '.join(ids)}" for what, ids in
                (("named twice", twice), (f"no such {kind}", unknown), ("missing", missing)) if ids]  # fmt: skip
    if problems:
        raise Unprocessable(f"the order must name every {kind} exactly once: " + "; ".join(problems))
