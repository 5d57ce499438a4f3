"""The local stack's own settings, from LOKET_* environment variables (ports, folders)."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from loket_local.template import ROOT


@dataclass(frozen=True)
class LocalSettings:
    template: Path = ROOT / "template.yaml"
    state_dir: Path = ROOT / ".local-state"
    frontend_dir: Path = ROOT / "frontend"
    events_dir: Path = ROOT / "events"
    host: str = "127.0.0.1"
    http_port: int = 8000
    smtp_port: int = 2525
    aws_port: int = 0  # 0: any free port on loopback
    seed: bool = True
    persist_every_s: float = 5.0
    # execution environments (worker processes) per function at most, below its reserved concurrency if lower
    function_concurrency: int = 4
    # template parameters for this machine, like `sam deploy --parameter-overrides` ("Key=Value Key2=Value2")
    parameter_overrides: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> LocalSettings:
        env = os.environ
        return cls(
            template=Path(env.get("LOKET_TEMPLATE", str(ROOT / "template.yaml"))),
            state_dir=Path(env.get("LOKET_STATE_DIR", str(ROOT / ".local-state"))),
            frontend_dir=Path(env.get("LOKET_FRONTEND_DIR", str(ROOT / "frontend"))),
            events_dir=Path(env.get("LOKET_EVENTS_DIR", str(ROOT / "events"))),
            host=env.get("LOKET_HOST", "127.0.0.1"),
            http_port=int(env.get("LOKET_HTTP_PORT", "8000")),
            smtp_port=int(env.get("LOKET_SMTP_PORT", "2525")),
            aws_port=int(env.get("LOKET_AWS_PORT", "0")),
            seed=env.get("LOKET_SEED", "1") not in ("0", "false", "no"),
            function_concurrency=max(1, int(env.get("LOKET_FUNCTION_CONCURRENCY", "4"))),
            parameter_overrides=parse_overrides(env.get("LOKET_PARAMETER_OVERRIDES", "")),
        )


def parse_overrides(text: str) -> dict[str, str]:
    pairs = (item.split("=", 1) for item in shlex.split(text) if "=" in item)
    return {key.strip(): value for key, value in pairs}
