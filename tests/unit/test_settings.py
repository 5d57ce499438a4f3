"""Settings per capability: read and validated once, a missing or malformed variable named; the template gives
each function exactly the variables its settings read."""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

import pytest

from loket.channels.email.settings import NotifierSettings
from loket.channels.web.settings import WebSettings
from loket.core.data.settings import DataSettings
from loket.platform import config
from loket.platform.aws import reset as reset_platform
from loket.platform.config import AwsSettings, EnvSettings, SettingsError, SigningSettings
from loket_local.template import LocalTemplate


def test_a_missing_required_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TABLE_NAME")

    with pytest.raises(SettingsError, match="TABLE_NAME"):
        config.load(DataSettings)


def test_a_malformed_number_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_IP_LIMIT", "ten")

    with pytest.raises(SettingsError, match="WEB_IP_LIMIT: 'ten' is not a whole number"):
        config.load(WebSettings)


@dataclasses.dataclass(frozen=True, kw_only=True)
class _WithJson(EnvSettings):
    """A capability whose setting is a JSON object (no product setting is one today)."""

    team_addresses: dict[str, str] = dataclasses.field(default_factory=dict)


def test_a_malformed_json_object_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAM_ADDRESSES", '{"agent-1": ')

    with pytest.raises(SettingsError, match="TEAM_ADDRESSES: not a JSON object"):
        config.load(_WithJson)


def test_a_json_value_of_the_wrong_shape_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAM_ADDRESSES", '["agent-1"]')

    with pytest.raises(SettingsError, match="TEAM_ADDRESSES"):
        config.load(_WithJson)


def test_a_json_object_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAM_ADDRESSES", '{"agent-1": "a@example.com"}')

    assert config.load(_WithJson).team_addresses == {"agent-1": "a@example.com"}


def test_a_signing_key_from_neither_variable_names_both(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIGNING_SECRET")

    with pytest.raises(SettingsError, match=r"SIGNING_SECRET_PARAM .* or SIGNING_SECRET"):
        config.load(SigningSettings)


def test_a_function_names_every_bad_variable_on_its_first_invocation(
    monkeypatch: pytest.MonkeyPatch, lambda_context: Any
) -> None:
    monkeypatch.delenv("IDEMPOTENCY_TABLE", raising=False)
    monkeypatch.setenv("ACK_LIMIT_PER_HOUR", "5.5")
    notifier = importlib.import_module("functions.notifier.app")

    with pytest.raises(SettingsError) as failed:
        notifier.lambda_handler({"Records": []}, lambda_context)

    assert "IDEMPOTENCY_TABLE" in str(failed.value)
    assert "ACK_LIMIT_PER_HOUR" in str(failed.value)


def test_settings_are_read_once_until_the_platform_is_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    first = config.load(DataSettings)
    monkeypatch.setenv("TABLE_NAME", "another-table")

    assert config.load(DataSettings) is first
    reset_platform()
    assert config.load(DataSettings).table_name == "another-table"


def test_the_region_is_lambdas_aws_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "ap-southeast-3")

    assert config.load(AwsSettings).region == "ap-southeast-3"


def _variables(kinds: tuple[type[EnvSettings], ...]) -> tuple[set[str], set[str]]:
    """(every variable the settings read, the variables they cannot do without)."""
    return set().union(*(kind.read() for kind in kinds)), set().union(*(kind.required() for kind in kinds))


def test_the_template_gives_each_function_what_its_settings_read() -> None:
    checked = 0
    for spec in LocalTemplate().functions().values():
        module = importlib.import_module(f"functions.{spec.short_name}.app")
        read, required = _variables(module.SETTINGS)
        given = {name for name in spec.environment if not name.startswith("POWERTOOLS_")}

        assert required - given == set(), f"{spec.logical_id} lacks variables its settings need"
        assert given - read == set(), f"{spec.logical_id} is given variables no settings of it read"
        if SigningSettings in module.SETTINGS:
            assert "SIGNING_SECRET_PARAM" in given, spec.logical_id
        checked += 1
    assert checked == 7


def test_the_notifier_sends_from_the_support_address_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDEMPOTENCY_TABLE", "idem")
    monkeypatch.setenv("SUPPORT_ADDRESS", "help@loket.example")

    assert config.load(NotifierSettings).sender_address == "help@loket.example"
