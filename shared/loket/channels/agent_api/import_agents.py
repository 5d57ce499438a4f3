"""One-off migration: the agents of the former `AgentDirectory` template parameter become directory agents.

    TABLE_NAME=<the stack's TicketsTable> USER_POOL_ID=<its UserPoolId> \\
        python -m loket.channels.agent_api.import_agents '{"<sub>": "agent@example.com", ...}'

(run from `shared/` with AWS credentials of the account). Each id (the agents' token subject) becomes an agent with
that address; with USER_POOL_ID set, the role and name come from the Cognito user with that subject (its group),
else the role is `agent`. Agents the directory already has are left as they are, so running it twice changes
nothing. Availability starts `offline` and capacity at the default: set them in the console or the admin API.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from loket.channels.agent_api.settings import AgentApiSettings
from loket.core import directory
from loket.core.data.models import bind_data
from loket.core.domain.directory import ROLES, Agent
from loket.platform import aws, config


def _from_pool(pool: str, sub: str) -> tuple[str, str]:
    """(role, name) of the pool's user with this subject; ("agent", "") when there is none."""
    client = aws.cognito_idp()
    users = client.list_users(UserPoolId=pool, Filter=f'sub = "{sub}"', Limit=1)["Users"]
    if not users:
        return "agent", ""
    name = next((a["Value"] for a in users[0].get("Attributes", []) if a["Name"] == "name"), "")
    groups = client.admin_list_groups_for_user(UserPoolId=pool, Username=users[0]["Username"])["Groups"]
    names = {g["GroupName"] for g in groups}
    return next((r for r in ROLES if r in names), "agent"), name


def import_agents(old: dict[str, str]) -> list[str]:
    """Write the agents of `old` (id -> email) the directory does not have yet; one line per agent, what happened."""
    pool = config.load(AgentApiSettings).user_pool_id
    done = []
    for agent_id, email in sorted(old.items()):
        if directory.agent(agent_id) is not None:
            done.append(f"{agent_id}: already in the directory, left as it is")
            continue
        role, name = _from_pool(pool, agent_id) if pool else ("agent", "")
        directory.save_agent(Agent(agent_id, email.strip().lower(), name, role))
        done.append(f"{agent_id}: added as {role} {email.strip().lower()}")
    return done


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        old = json.loads(args[0])
    except json.JSONDecodeError as exc:
        print(f"not JSON: {exc}", file=sys.stderr)
        return 2
    if not isinstance(old, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in old.items()):
        print('give the old AgentDirectory value: a JSON object {"<agent id>": "<email>", ...}', file=sys.stderr)
        return 2
    bind_data()
    for line in import_agents(old):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
