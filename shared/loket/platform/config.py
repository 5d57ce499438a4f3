"""Settings from the environment: one model per capability, each read and validated once per process.

A capability (core data, a channel, a feature) declares the variables it needs as a subclass of
`EnvSettings`: each field is the variable of its name in upper case (TABLE_NAME, WEB_IP_LIMIT...). Lists
are comma-separated, mappings are JSON objects, numbers are validated by the model; an empty variable
leaves a list, mapping or number at its default. `load(Model)` reads and validates it on first use and
keeps it; a handler loads every model its routes need on its first invocation (`load_all`), so a missing
or malformed variable fails the function's first request with a message that names the variable.
`loket.platform.aws.reset()` forgets them all (tests change the environment). Nothing else reads os.environ.
"""

from __future__ import annotations

import dataclasses
import json
import os
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

# stdlib dataclasses, not pydantic: a function whose routes need no pydantic does not load it (cold start)


class SettingsError(RuntimeError):
    """A variable a capability needs is missing or malformed; the message names it."""


def _parse(kind: Any, raw: str) -> Any:
    origin = typing.get_origin(kind) or kind
    if origin is str:
        return raw
    if origin is int:
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not a whole number") from None
    if origin is list:
        return [item.strip() for item in raw.split(",") if item.strip()]
    if origin is dict:
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise ValueError(f"not a JSON object ({exc})") from None
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ValueError("not a JSON object of strings")
        return value
    raise TypeError(f"settings of type {kind} are not supported")


@dataclasses.dataclass(frozen=True, kw_only=True)
class EnvSettings:
    """Base of every capability's settings (frozen dataclasses): each field from the variable of its name in
    upper case. A field without a default is required: missing or empty, it fails naming the variable."""

    # fields read from another variable than their name in upper case (the first one set wins)
    variables: ClassVar[dict[str, tuple[str, ...]]] = {}

    @classmethod
    def variable(cls, field: str) -> str:
        return cls.variables.get(field, (field.upper(),))[0]

    @classmethod
    def required(cls) -> set[str]:
        """The variables without which the settings cannot be made."""
        return {cls.variable(f.name) for f in dataclasses.fields(cls) if _is_required(f)}

    @classmethod
    def read(cls) -> set[str]:
        """Every variable the settings read."""
        return {name for f in dataclasses.fields(cls) for name in cls.variables.get(f.name, (f.name.upper(),))}

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> EnvSettings:
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        problems: list[str] = []
        for field in dataclasses.fields(cls):
            names = cls.variables.get(field.name, (field.name.upper(),))
            var, raw = next(((name, env[name]) for name in names if env.get(name)), (names[0], env.get(names[0])))
            kind = hints[field.name]
            if raw is None or (not raw.strip() and (kind is not str or _is_required(field))):
                if _is_required(field):
                    problems.append(f"{var} is not set")
                continue  # an empty list, mapping or number keeps its default
            try:
                values[field.name] = _parse(kind, raw)
            except ValueError as exc:
                problems.append(f"{var}: {exc}")
        if not problems:
            try:
                return cls(**values)
            except ValueError as exc:
                problems.append(str(exc))
        raise SettingsError(f"{cls.__name__}: " + "; ".join(problems))


def _is_required(field: dataclasses.Field[Any]) -> bool:
    return field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


_Kind = TypeVar("_Kind", bound=EnvSettings)
_loaded: dict[type[EnvSettings], EnvSettings] = {}


def load(kind: type[_Kind]) -> _Kind:
    """The capability's settings, read from the environment and validated on first use, then kept."""
    found = _loaded.get(kind)
    if found is None:
        found = _loaded[kind] = kind.from_environment(os.environ)
    return typing.cast(_Kind, found)


def load_all(*kinds: type[EnvSettings]) -> None:
    """Read and validate every model a function needs (its first invocation); fails naming each bad variable."""
    problems = []
    for kind in kinds:
        try:
            load(kind)
        except SettingsError as exc:
            problems.append(str(exc))
    if problems:
        raise SettingsError("; ".join(problems))


def forget() -> None:
    """Forget every loaded model (called by loket.platform.aws.reset)."""
    _loaded.clear()


# --- the platform's own settings -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class AwsSettings(EnvSettings):
    """Where the function runs: Lambda sets AWS_REGION (AWS_DEFAULT_REGION elsewhere)."""

    variables: ClassVar[dict[str, tuple[str, ...]]] = {"region": ("AWS_REGION", "AWS_DEFAULT_REGION")}
    region: str = "us-east-1"


@dataclasses.dataclass(frozen=True, kw_only=True)
class SigningSettings(EnvSettings):
    """The signing key of status links, reply addresses and form tokens (see loket.platform.signing)."""

    signing_secret_param: str = ""  # the SSM SecureString holding the key
    signing_secret: str = ""  # a fixed key (tests, runs without SSM): no history, no rotation
    # tokens of a replaced signing key (links and reply addresses already mailed) verify this long after it
    signing_grace_days: int = 90

    def __post_init__(self) -> None:
        if not self.signing_secret_param and not self.signing_secret:
            raise ValueError("set SIGNING_SECRET_PARAM (an SSM SecureString) or SIGNING_SECRET")
        if self.signing_grace_days < 0:
            raise ValueError(f"SIGNING_GRACE_DAYS: {self.signing_grace_days} is below 0")


@dataclasses.dataclass(frozen=True, kw_only=True)
class AttachmentSettings(EnvSettings):
    """The attachments bucket: web uploads, mail attachments, agents' files."""

    attachments_bucket: str = ""  # empty: attachments are off (web uploads and agents' files refused, mail's not kept)
