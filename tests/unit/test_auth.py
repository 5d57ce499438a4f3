from __future__ import annotations

import pytest

from loket.core.auth import actor_from_claims
from loket.core.domain.errors import Forbidden, Unauthorized


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        ("[admin]", "admin"),
        ("[agent]", "agent"),
        ("[agent admin]", "admin"),
        (["agent"], "agent"),
        ('["admin"]', "admin"),
    ],
)
def test_role_comes_from_cognito_groups(groups: object, role: str) -> None:
    actor = actor_from_claims({"sub": "a-1", "email": "a@example.com", "cognito:groups": groups})
    assert (actor.kind, actor.id, actor.role) == ("agent", "a-1", role)


@pytest.mark.parametrize("claims", [None, {}, {"email": "a@example.com", "cognito:groups": "[admin]"}])
def test_missing_claims_or_subject_is_unauthorized(claims: dict[str, str] | None) -> None:
    with pytest.raises(Unauthorized):
        actor_from_claims(claims)


@pytest.mark.parametrize("groups", [None, "", "[]", "[customers]", "[administrators]"])
def test_no_agent_group_is_forbidden(groups: str | None) -> None:
    with pytest.raises(Forbidden):
        actor_from_claims({"sub": "a-1", "cognito:groups": groups})
