"""Agents' logins in the Cognito user pool (USER_POOL_ID): creating an agent creates their user, in the group of
their role; changing the role moves the user to that group; deleting the agent disables the user (AdminDisableUser:
no new sign-in, no refresh; the user stays, so the pool keeps who it was). The user's `sub` is the agent's id in the directory
and the subject of their tokens.

In AWS the pool is the template's `AgentUserPool`; on a laptop the same template's pool is built by the
stack that runs it, whose sign-in page hands out tokens for the pool's users.
"""

from __future__ import annotations

from typing import Any

from loket.channels.agent_api.settings import AgentApiSettings
from loket.core.domain.directory import ROLES
from loket.core.domain.errors import Unprocessable
from loket.platform import aws, config


def _pool() -> str:
    pool = config.load(AgentApiSettings).user_pool_id
    if not pool:
        raise Unprocessable("this deployment has no user pool (USER_POOL_ID): give the agent's existing id instead")
    return pool


def _sub(user: dict[str, Any]) -> str:
    attributes = user.get("Attributes") or user.get("UserAttributes") or []
    return next(str(a["Value"]) for a in attributes if a["Name"] == "sub")


def create_login(email: str, name: str, role: str) -> str:
    """The Cognito user of an agent (made now, or the one that already has this address), in the group of
    `role`; answers its `sub`. Cognito mails a new user a temporary password."""
    client = aws.cognito_idp()
    pool = _pool()
    attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
    if name:
        attributes.append({"Name": "name", "Value": name})
    try:
        user = client.admin_create_user(
            UserPoolId=pool, Username=email, UserAttributes=attributes, DesiredDeliveryMediums=["EMAIL"]
        )["User"]
        username, sub = str(user["Username"]), _sub(user)
    except client.exceptions.UsernameExistsException:
        found = client.admin_get_user(UserPoolId=pool, Username=email)
        username, sub = str(found["Username"]), _sub(found)
    except client.exceptions.InvalidParameterException as exc:  # an address Cognito will not take
        raise Unprocessable(
            f"email: the user pool refused {email}: {exc.response['Error'].get('Message', '')}"
        ) from exc
    set_role(username, role, client=client, pool=pool)
    return sub


def set_role(username: str, role: str, client: Any = None, pool: str = "") -> None:
    """Put the user in the group of `role` and out of the other roles' groups (the token says one role)."""
    client = client or aws.cognito_idp()
    pool = pool or _pool()
    current = {g["GroupName"] for g in client.admin_list_groups_for_user(UserPoolId=pool, Username=username)["Groups"]}
    for other in set(ROLES) & current - {role}:
        client.admin_remove_user_from_group(UserPoolId=pool, Username=username, GroupName=other)
    if role not in current:
        client.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=role)


def username_of(sub: str) -> str | None:
    """The pool's username of the user with this `sub`, or None (an agent registered with an existing id whose
    login lives elsewhere)."""
    client = aws.cognito_idp()
    found = client.list_users(UserPoolId=_pool(), Filter=f'sub = "{sub}"', Limit=1)["Users"]
    return str(found[0]["Username"]) if found else None


def disable_login(sub: str) -> str | None:
    """Disable the pool's user with this `sub` (the agent was deleted); answers its username, or None when the pool
    has no such user (an agent registered with a login that lives elsewhere) or the deployment has no pool."""
    if not config.load(AgentApiSettings).user_pool_id:
        return None
    username = username_of(sub)
    if username is not None:
        aws.cognito_idp().admin_disable_user(UserPoolId=_pool(), Username=username)
    return username
