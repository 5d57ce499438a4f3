"""Reading template.yaml: the one source of truth for tables, queues, routes and schedules."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"

# CreateTable arguments that a CloudFormation AWS::DynamoDB::Table property maps to one to one
_TABLE_ARGS = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "BillingMode",
               "StreamSpecification")


@lru_cache(maxsize=8)
def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    parsed: dict[str, Any] = yaml_parse(path.read_text())
    return parsed


def resources_of_type(kind: str, path: Path = TEMPLATE) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in load_template(path)["Resources"].items() if r.get("Type") == kind}


def table_create_args(logical_id: str, table_name: str, path: Path = TEMPLATE) -> dict[str, Any]:
    """The CreateTable call for a table declared in the template (used by tests on moto)."""
    props = resources_of_type("AWS::DynamoDB::Table", path)[logical_id]["Properties"]
    args = {k: props[k] for k in _TABLE_ARGS if k in props}
    if "StreamSpecification" in args:
        args["StreamSpecification"] = {"StreamEnabled": True, **args["StreamSpecification"]}
    return {"TableName": table_name, **args}
