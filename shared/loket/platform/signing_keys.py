"""The signing key's SSM SecureString: its current value and its earlier ones, each cached by Powertools.

Imported only where the key comes from SSM (see loket.platform.signing for the rotation design).
"""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.utilities.parameters import SSMProvider
from botocore.exceptions import BotoCoreError, ClientError

from loket.platform import aws
from loket.platform.observability import logger


class History:
    """An SSM parameter's history: {value: when it was replaced (epoch seconds), None for the current value},
    read again after `max_age` seconds. A value set more than once counts from its latest replacement.

    A failed read is logged and answers {} (no earlier values), kept like any answer: a missing permission or a
    throttled API costs one call per `max_age`, not one per wrong token. (Powertools' providers read one value
    or a path of them; a parameter's versions are neither, so the cache is this one field.)"""

    def __init__(self, client: Any, name: str, max_age: int) -> None:
        self.client, self.name, self.max_age = client, name, max_age
        self._kept: tuple[float, dict[str, float | None]] | None = None  # (read again after, answer)

    def get(self) -> dict[str, float | None]:
        now = time.time()
        if self._kept is None or now >= self._kept[0]:
            self._kept = (now + self.max_age, self._read())
        return self._kept[1]

    def _read(self) -> dict[str, float | None]:
        try:
            pages = self.client.get_paginator("get_parameter_history").paginate(Name=self.name, WithDecryption=True)
            versions = [version for page in pages for version in page["Parameters"]]
        except (BotoCoreError, ClientError):
            logger.exception("cannot read the signing key's history: tokens of earlier keys do not verify")
            return {}
        versions.sort(key=lambda version: int(version["Version"]))
        replaced: dict[str, float | None] = {}
        for version, successor in zip(versions, [*versions[1:], None], strict=True):
            # later versions overwrite earlier ones: a value's latest replacement, or None if it is current
            replaced[str(version["Value"])] = None if successor is None else successor["LastModifiedDate"].timestamp()
        return replaced


class ParameterKeys:
    """The values of one SecureString parameter, read again after `max_age` seconds."""

    def __init__(self, name: str, max_age: int) -> None:
        self.name = name
        self.max_age = max_age
        client = aws.ssm()
        self._current = SSMProvider(boto3_client=client)
        self._history = History(client, name, max_age)

    def current(self) -> str:
        return str(self._current.get(self.name, decrypt=True, max_age=self.max_age))

    def replaced(self) -> dict[str, float | None]:
        """Every value in the parameter's history: when it was replaced, None for the current one."""
        return self._history.get()
