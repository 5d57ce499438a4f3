"""Every AWS client of the product, each made on first use and kept for the process; one `reset` for tests.

botocore parses a service's model when its first client is made (tens of milliseconds, more for
DynamoDB), so no client is made at import and none twice. DynamoDB goes through pynamodb: the models'
connections take their region and timeouts from `dynamodb_options()`, and `dynamodb()` is the connection
transactions go through. `reset()` forgets the clients, the settings (loket.platform.config), and what
other layers registered with `on_reset` (the models' connections, the signing key's cache).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from loket.platform import config
from loket.platform.config import AwsSettings

_T = TypeVar("_T")
_made: dict[Hashable, Any] = {}
_on_reset: list[Callable[[], None]] = []
DYNAMODB = "dynamodb"  # the key of the transactions' connection (forget it to point the data layer anew)


def once(key: Hashable, make: Callable[[], _T]) -> _T:
    """What `make` returns, made on the first call for `key` and kept until `reset`."""
    if key not in _made:
        _made[key] = make()
    made: _T = _made[key]
    return made


def forget(key: Hashable) -> None:
    """Forget what was made for `key` (the next use makes it anew)."""
    _made.pop(key, None)


def on_reset(forget: Callable[[], None]) -> None:
    """Call `forget` on every reset (a layer above keeps something made from settings or clients)."""
    if forget not in _on_reset:
        _on_reset.append(forget)


def reset() -> None:
    """Forget every client, every loaded setting and every cache (tests change the environment and moto)."""
    _made.clear()
    config.forget()
    for forget in _on_reset:
        forget()


def region() -> str:
    return config.load(AwsSettings).region


def _client(service: str, region_name: str | None = None, **config_options: Any) -> Any:
    import boto3
    from botocore.config import Config

    options = {"config": Config(**config_options)} if config_options else {}
    return boto3.client(service, region_name=region_name or region(), **options)  # type: ignore[call-overload]


def s3() -> Any:
    """S3 with SigV4 links (the only kind newer regions accept) on the regional endpoint."""
    return once("s3", lambda: _client("s3", signature_version="s3v4"))


def ses(region_name: str = "") -> Any:
    """SES v1 (SendRawEmail); standard retries back off on Throttling / MaxSendingRateExceeded."""
    where = region_name or region()
    return once(("ses", where), lambda: _client("ses", where, retries={"mode": "standard", "max_attempts": 3}))


def dynamodb_client() -> Any:
    """A boto3 DynamoDB client, for libraries that take one (Powertools Idempotency); the models use `dynamodb`."""
    return once("dynamodb-client", lambda: _client("dynamodb"))


def ssm() -> Any:
    return once("ssm", lambda: _client("ssm"))


def cognito_idp() -> Any:
    """The agent user pool's admin API (AdminCreateUser, group membership)."""
    return once("cognito-idp", lambda: _client("cognito-idp"))


def dynamodb_options() -> dict[str, Any]:
    """How pynamodb connects (its Meta and Connection options): the region; timeouts and retries pynamodb's."""
    return {"region": region()}


def dynamodb() -> Any:
    """The pynamodb Connection transactions go through, made once per process: a new one builds a new
    botocore client, which parses the DynamoDB service model again (0.2-0.4 s of CPU each time)."""

    def make() -> Any:
        from pynamodb.connection import Connection

        return Connection(**dynamodb_options())

    return once(DYNAMODB, make)
