"""The functions run the same code locally and in AWS: nothing in functions/ or shared/ knows the local stack.

The local stack adapts to the code (environment, endpoints, events), never the other way round, so a branch on
"are we local?" or a reference to the emulator in product code is a defect.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PRODUCT = [p for folder in ("functions", "shared") for p in sorted((ROOT / folder).rglob("*.py"))]
LOCAL_MARKERS = re.compile(
    r"loket_local|AWS_SAM_LOCAL|IS_LOCAL|LOKET_[A-Z]|LOCALSTACK|AWS_ENDPOINT_URL|127\.0\.0\.1|localhost|/_local/"
    r"|running_locally|local_mode"
)


def test_product_code_found_to_check() -> None:
    assert any(p.name == "app.py" for p in PRODUCT)
    assert any("shared" in p.relative_to(ROOT).parts for p in PRODUCT)


@pytest.mark.parametrize("path", PRODUCT, ids=lambda p: str(p.relative_to(ROOT)))
def test_product_file_has_no_local_stack_branch(path: Path) -> None:
    hits = [
        f"{n}: {line.strip()}" for n, line in enumerate(path.read_text().splitlines(), 1) if LOCAL_MARKERS.search(line)
    ]

    assert hits == []
