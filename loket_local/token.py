"""`make token`: print development tokens for the local gateway, one `<who>: <token>` line each."""

from __future__ import annotations

from loket_local.auth import DEV_USERS, DevIssuer
from loket_local.settings import LocalSettings


def main() -> None:
    issuer = DevIssuer(LocalSettings.from_env().state_dir)
    for user in DEV_USERS:
        print(f"{user.key}: {issuer.token(user)}")
    people = "; ".join(f"{u.name} <{u.email}> in group {', '.join(u.groups)}" for u in DEV_USERS)
    print(f"# valid 30 days, for {people}; the running stack also shows them at /_local/login")


if __name__ == "__main__":
    main()
