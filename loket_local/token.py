"""`make token`: print development tokens for the local gateway (a dev agent and a dev admin)."""

from __future__ import annotations

from loket_local.auth import DEV_USERS, DevIssuer
from loket_local.settings import LocalSettings


def main() -> None:
    issuer = DevIssuer(LocalSettings.from_env().state_dir)
    for user in DEV_USERS:
        print(f"# {user.name} <{user.email}> groups={','.join(user.groups)}")
        print(f"export LOKET_{user.key.upper()}_TOKEN={issuer.token(user)}")
    print("# the same tokens are on the login page of the running stack: /_local/login")


if __name__ == "__main__":
    main()
