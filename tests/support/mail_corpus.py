"""The test mails in tests/mails and what must come of each (tests/mails/expectations.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAILS = Path(__file__).resolve().parent.parent / "mails"


def expectations() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = yaml.safe_load((MAILS / "expectations.yaml").read_text(encoding="utf-8"))
    return data


def corpus() -> list[tuple[str, dict[str, Any]]]:
    """(file name, expectations) for every mail; a mail without expectations (or the reverse) is an error."""
    spec = expectations()
    files = sorted(p.name for p in MAILS.glob("*.eml"))
    missing = set(files) ^ set(spec)
    if missing:
        raise AssertionError(f"mails and expectations differ: {sorted(missing)}")
    return [(name, spec[name]) for name in files]


def raw(name: str) -> bytes:
    return (MAILS / name).read_bytes()
