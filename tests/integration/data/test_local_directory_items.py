"""The development identities `make run` puts into the directory (template Metadata.MakeRun.TableItems) read and
change through the product's directory like any agent, so group scope shows the dev agent their groups' tickets."""

from __future__ import annotations

from dataclasses import replace

import boto3
from boto3.dynamodb.types import TypeSerializer

from loket.core import directory
from loket_local.auth import DEV_USERS
from loket_local.template import LocalTemplate
from tests.conftest import TABLE_NAME


def test_the_dev_users_are_directory_agents_of_the_groups_the_local_items_name(aws: None) -> None:
    serialize = TypeSerializer().serialize
    for item in LocalTemplate().local_table_items()["TicketsTable"]:
        boto3.client("dynamodb").put_item(TableName=TABLE_NAME, Item={k: serialize(v) for k, v in item.items()})
    assert {g.name for g in directory.groups()} == {"support", "billing", "technical"}
    for user in DEV_USERS:
        agent = directory.agent(user.sub)
        assert agent is not None, user.key
        assert (agent.email, agent.role, set(agent.groups)) == (
            user.email,
            user.key,
            {"support", "billing", "technical"},
        )
    dev = directory.agent(DEV_USERS[0].sub)
    assert dev is not None
    saved = directory.save_agent(replace(dev, groups=("billing",)), dev.version)
    assert directory.agent(dev.agent_id) == saved
