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

import json
import os
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class SettingsError(RuntimeError):
    """A variable a capability needs is missing or malformed; the message names it."""


class EnvSettings(BaseModel):
    """Base of every capability's settings: fields read from the variables of their names in upper case."""

    model_config = ConfigDict(frozen=True)
    # fields read from another variable than their name in upper case
    variables: ClassVar[dict[str, tuple[str, ...]]] = {}

    @classmethod
    def variable(cls, field: str) -> str:
        return cls.variables.get(field, (field.upper(),))[0]

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> EnvSettings:
        values: dict[str, Any] = {}
        for name, field in cls.model_fields.items():
            found = [(var, env[var]) for var in cls.variables.get(name, (name.upper(),)) if env.get(var)]
            var, raw = found[0] if found else (cls.variable(name), env.get(cls.variable(name)))
            if raw is None:
                continue
            kind = typing.get_origin(field.annotation) or field.annotation
            if kind is str:
                values[name] = raw
            elif not raw.strip():
                continue
            elif kind is list:
                values[name] = [item.strip() for item in raw.split(",") if item.strip()]
            elif kind is dict:
                try:
                    values[name] = json.loads(raw)
                except ValueError as exc:
                    raise SettingsError(f"{var} is not a JSON object: {exc}") from exc
            else:
                values[name] = raw
        try:
            return cls(**values)
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                where = error["loc"][0] if error["loc"] else ""
                name = cls.variable(str(where)) if where in cls.model_fields else str(where or cls.__name__)
                problems.append(f"{name}: {error['msg']}" if where else error["msg"])
            raise SettingsError(f"{cls.__name__}: " + "; ".join(problems)) from None


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


class AwsSettings(EnvSettings):
    """Where the function runs: Lambda sets AWS_REGION (AWS_DEFAULT_REGION elsewhere)."""

    variables: ClassVar[dict[str, tuple[str, ...]]] = {"region": ("AWS_REGION", "AWS_DEFAULT_REGION")}
    region: str = "us-east-1"


class SigningSettings(EnvSettings):
    """The signing key of status links, reply addresses and form tokens (see loket.platform.signing)."""

    signing_secret_param: str = ""  # the SSM SecureString holding the key
    signing_secret: str = ""  # a fixed key (tests, runs without SSM): no history, no rotation
    # tokens of a replaced signing key (links and reply addresses already mailed) verify this long after it
    signing_grace_days: int = Field(default=90, ge=0)

    @model_validator(mode="after")
    def _one_key(self) -> SigningSettings:
        if not self.signing_secret_param and not self.signing_secret:
            raise ValueError("set SIGNING_SECRET_PARAM (an SSM SecureString) or SIGNING_SECRET")
        return self


class AttachmentSettings(EnvSettings):
    """The attachments bucket: web uploads, mail attachments, agents' files."""

    attachments_bucket: str = ""  # empty: attachments are off (web uploads and agents' files refused, mail's not kept)
