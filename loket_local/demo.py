"""Demo data on first start (placeholder)."""

from __future__ import annotations

from typing import Any


def seed(stack: Any) -> None:
    print("demo data: not yet")
