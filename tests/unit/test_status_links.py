"""The status-page link every channel builds through loket.core.status_links."""

from __future__ import annotations

from loket.core import status_links
from tests.conftest import token_with


def test_the_token_is_the_status_hmac_of_the_ticket_id_and_verifies_for_that_ticket_only() -> None:
    token = status_links.token("T1")

    assert token == token_with("test-signing-secret", "status", "T1")
    assert status_links.verify("T1", token)
    assert not status_links.verify("T2", token)
    assert not status_links.verify("T1", None)


def test_links_relative_and_absolute() -> None:
    assert status_links.href(7, "abc", "en") == "LKT-7?t=abc&lang=en"
    assert status_links.href(7, "abc", "id", sent="1") == "LKT-7?t=abc&lang=id&sent=1"
    assert status_links.url("https://help.example.com", 1042, "a b", "en") == (
        "https://help.example.com/status/LKT-1042?t=a+b&lang=en"
    )
