"""Signed tokens: the customer's status-page link, the reply-to plus-address and the web form's token.

Each is an HMAC over the value (a ticket id, a ticket number, the form's fields) and its purpose ("status",
"reply", "form") with a key held outside the code. A token says "whoever holds this link may see this
ticket"; a wrong or missing one must look exactly like a ticket that does not exist.

The key and its rotation
------------------------
In AWS the key is the SSM SecureString named by SIGNING_SECRET_PARAM. Rotating it is one command, a new
version of the same parameter (`aws ssm put-parameter --overwrite`, see README), and nothing else:

- The current key is read through Powertools Parameters, cached for five minutes (max_age=300): a warm
  function sees a new key within five minutes, for one GetParameter call per five minutes. Every token is
  signed with the current key.
- Links and reply addresses already mailed carry tokens of earlier keys, and status links are used for
  months. A token that the current key does not make is checked against the parameter's earlier values,
  from its version history (GetParameterHistory, which SSM keeps for the last 100 versions). An earlier
  value is accepted for SIGNING_GRACE_DAYS (default 90) after it was replaced, counted from the date of the
  version that replaced it, so a key in use for years still gets the full grace period. After that its
  tokens are wrong tokens like any other: the customer uses the link in a newer mail (every mail and every
  status page carries a link with the current key).
- The history is read only when a token does not verify with the current key, and kept for the same five
  minutes however many wrong tokens come; a function that only signs (the notifier) never reads it and may
  not (its role lacks ssm:GetParameterHistory). If the history cannot be read, the failure is logged and
  kept for five minutes as "no earlier keys": old tokens then look wrong, the current key works on.

Why the history and not a second parameter or a "current,previous" list: the history records when each key
was replaced, which is what a grace period needs, and rotation cannot be half done (a value copied to the
wrong place, an old key left in the list for ever). Its costs are one more read-only IAM action on the same
parameter and one more call, only on a mismatch. To revoke a leaked key, and every link made with it, at
once: delete the parameter (its history goes with it) and create it anew; functions drop the old key within
five minutes.

SIGNING_SECRET gives a fixed key directly (tests, runs without SSM): no history, no rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Protocol

from loket.platform import aws, config
from loket.platform.config import SigningSettings

_TOKEN_BYTES = 12  # 96 bits, 20 characters of base32: enough against guessing, short enough for an address
MAX_AGE_SECONDS = 300  # how long a function keeps the key (and its history) before reading it again
_DAY = 24 * 3600


class _Keys(Protocol):
    name: str

    def current(self) -> str: ...

    def replaced(self) -> dict[str, float | None]:
        """Every value the key has had: when it was replaced (epoch seconds), None for the current one."""
        ...


class _FixedKey:
    name = ""

    def __init__(self, value: str) -> None:
        self.value = value

    def current(self) -> str:
        return self.value

    def replaced(self) -> dict[str, float | None]:
        return {}


def _keys() -> _Keys:
    """The fixed key of SIGNING_SECRET, or the keys of the parameter SIGNING_SECRET_PARAM names (made once per
    process and parameter, forgotten by loket.platform.aws.reset)."""
    settings = config.load(SigningSettings)
    if settings.signing_secret:
        return _FixedKey(settings.signing_secret)
    name = settings.signing_secret_param

    def parameter_keys() -> _Keys:
        from loket.platform.signing_keys import ParameterKeys

        return ParameterKeys(name, MAX_AGE_SECONDS)

    return aws.once(("signing-keys", name), parameter_keys)


def _token(key: str, purpose: str, value: str) -> str:
    digest = hmac.new(key.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).digest()[:_TOKEN_BYTES]
    return base64.b32encode(digest).decode().rstrip("=").lower()


def sign(purpose: str, value: str) -> str:
    """A short lower-case token binding `value` to `purpose` ("status", "reply", "form"), by the current key."""
    return _token(_keys().current(), purpose, value)


def verify(purpose: str, value: str, token: str | None) -> bool:
    """Whether `token` is the current key's token for `value`, or an earlier key's within the grace period."""
    if not token:
        return False
    given = token.strip().lower().encode(errors="replace")  # compare_digest refuses str with non-ASCII characters

    def made_by(key: str) -> bool:
        return hmac.compare_digest(_token(key, purpose, value).encode(), given)

    keys = _keys()
    current = keys.current()
    if made_by(current):
        return True
    grace = config.load(SigningSettings).signing_grace_days * _DAY
    now = time.time()
    return any(
        made_by(key)
        for key, replaced in keys.replaced().items()
        if key != current and (replaced is None or now < replaced + grace)
    )
