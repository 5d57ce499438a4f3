"""The CloudWatch EMF documents (metrics) a function printed to stdout."""

from __future__ import annotations

import json
from typing import Any


def emf_documents(out: str) -> list[dict[str, Any]]:
    """Every EMF document in `out`, one per line; each maps a metric's name to its value, beside its dimensions."""
    docs = []
    for line in out.splitlines():
        if line.startswith('{"_aws"'):
            docs.append(json.loads(line))
    return docs
