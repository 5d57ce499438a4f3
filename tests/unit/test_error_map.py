"""The error map is complete: every domain error has exactly one status, a code and a message."""

from __future__ import annotations

import inspect
import json
from http import HTTPStatus

import pytest

from loket.core.domain import errors
from loket.core.errors import STATUS_OF, domain_error_response


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


DOMAIN_ERRORS = sorted(
    (cls for _, cls in inspect.getmembers(errors, inspect.isclass) if issubclass(cls, errors.LoketError)),
    key=lambda cls: cls.__name__,
)


def _example(cls: type[errors.LoketError]) -> errors.LoketError:
    samples: dict[type, tuple[object, ...]] = {
        errors.TicketNotFound: ("LKT-1",),
        errors.VersionConflict: ("t-1", 3, 4),
        errors.InvalidTransition: ("closed", "reopen"),
        errors.AttachmentNotFound: ("LKT-1", "e-1", 0),
        errors.RateLimited: ("ip", 60),
        errors.NotFound: ("group", "billing"),
        errors.StaleVersion: ("group", "billing", 1, 2),
        errors.StillReferenced: ("group", "billing", ["LKT-1", "rule r-1"]),
    }
    return cls(*samples.get(cls, ("what went wrong",)))  # type: ignore[arg-type]


def test_every_loket_error_anywhere_is_a_domain_error() -> None:
    assert _subclasses(errors.LoketError) <= set(DOMAIN_ERRORS)


@pytest.mark.parametrize("cls", [c for c in DOMAIN_ERRORS if c is not errors.LoketError], ids=lambda c: c.__name__)
def test_each_domain_error_has_its_own_status_code_and_message(cls: type[errors.LoketError]) -> None:
    assert cls in STATUS_OF, f"{cls.__name__} has no status in loket.core.errors.STATUS_OF"
    assert cls.code != errors.LoketError.code
    reply = domain_error_response(_example(cls))
    assert reply.status_code == STATUS_OF[cls]
    body = json.loads(str(reply.body))["error"]
    assert body["code"] == cls.code
    assert body["message"]


def test_codes_are_unique() -> None:
    codes = [c.code for c in DOMAIN_ERRORS if c is not errors.LoketError]
    assert len(codes) == len(set(codes))


def test_rate_limited_is_429_with_retry_after_and_missing_if_match_428() -> None:
    limited = domain_error_response(errors.RateLimited("ip", 90))
    assert (limited.status_code, limited.headers["Retry-After"]) == (HTTPStatus.TOO_MANY_REQUESTS, "90")
    missing = domain_error_response(errors.PreconditionRequired("send If-Match"))
    assert missing.status_code == HTTPStatus.PRECONDITION_REQUIRED
    assert domain_error_response(errors.VersionConflict("t", 1, 2)).status_code == HTTPStatus.PRECONDITION_FAILED
