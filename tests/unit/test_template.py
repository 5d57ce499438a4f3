"""template.yaml is the source of truth: it lints, translates offline, and agrees with the code."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from loket_local.template import TEMPLATE, LocalTemplate

ROOT = TEMPLATE.parent
PUBLIC_AGENT_ROUTES = {"GET /v1/health", "GET /v1/openapi.json", "GET /v1/docs"}


@pytest.fixture(scope="module")
def template() -> LocalTemplate:
    return LocalTemplate()


def test_cfn_lint_is_clean() -> None:
    cfn_lint = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or "cfn-lint"
    result = subprocess.run([cfn_lint, str(TEMPLATE)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_translates_offline_into_functions_table_and_api(template: LocalTemplate) -> None:
    assert template.cfn_resources("AWS::Lambda::Function")
    assert "TicketsTable" in template.cfn_resources("AWS::DynamoDB::Table")
    assert template.cfn_resources("AWS::ApiGatewayV2::Api")


def test_every_function_has_code_events_and_a_log_group_with_retention(template: LocalTemplate) -> None:
    log_groups = template.sam_resources("AWS::Logs::LogGroup")
    for name, resource in template.sam_resources("AWS::Serverless::Function").items():
        props = resource["Properties"]
        code = ROOT / props["CodeUri"]
        assert (code / "app.py").is_file(), name
        assert props["Handler"] == "app.lambda_handler", name
        assert list((ROOT / "events" / code.name).glob("*.json")), f"no sample events for {name}"
        group = props.get("LoggingConfig", {}).get("LogGroup", {}).get("Ref")
        assert group in log_groups, f"{name} has no log group of its own"
        assert "RetentionInDays" in log_groups[group]["Properties"], group


def test_sqs_consumers_report_partial_failures_and_rely_on_the_queue_redrive(template: LocalTemplate) -> None:
    queues = template.sam_resources("AWS::SQS::Queue")
    for name, resource in template.sam_resources("AWS::Serverless::Function").items():
        props = resource["Properties"]
        for event in (props.get("Events") or {}).values():
            if event["Type"] != "SQS":
                continue
            assert "DeadLetterQueue" not in props, f"{name}: a function DLQ does nothing for SQS; the queue redrives"
            assert event["Properties"].get("FunctionResponseTypes") == ["ReportBatchItemFailures"], name
            queue = event["Properties"]["Queue"]["Fn::GetAtt"][0]
            assert "RedrivePolicy" in queues[queue]["Properties"], queue


def test_agent_api_routes_in_template_match_the_code(template: LocalTemplate) -> None:
    from functions.agent_api.app import resolver
    from loket.channels.agent_api.api import openapi_document

    spec = openapi_document(resolver())
    documented = {f"{method.upper()} {path}" for path, ops in spec["paths"].items() for method in ops}
    in_code = documented | {"GET /v1/openapi.json", "GET /v1/docs"}  # served, kept out of the document
    in_template = {r.route_key for r in template.routes() if r.function == "AgentApiFunction"}
    assert in_template == in_code
    public = {r.route_key for r in template.routes() if r.function == "AgentApiFunction" and r.authorizer is None}
    assert public == PUBLIC_AGENT_ROUTES


@pytest.mark.parametrize("function", ["AgentApiFunction", "WebFormFunction"])
def test_functions_that_sign_download_links_may_read_every_attachment_prefix(
    template: LocalTemplate, function: str
) -> None:
    """A presigned link works only if the signer may read the object: the status page shows mailed attachments
    of customer messages too, the console any attachment."""
    from loket.platform.attachments import PREFIXES

    statements = template.sam_resources("AWS::Serverless::Function")[function]["Properties"]["Policies"][0]["Statement"]
    readable = set()
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if "s3:GetObject" in actions:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            readable |= {r["Fn::Sub"] for r in resources if isinstance(r, dict) and "Fn::Sub" in r}
    assert readable >= {f"${{AttachmentsBucket.Arn}}/{prefix}*" for prefix in PREFIXES.values()}


def test_the_attachments_bucket_expires_exactly_the_uploads_the_code_marks_pending(template: LocalTemplate) -> None:
    from loket.channels.agent_api.uploads import PENDING, STATE_TAG
    from loket.platform.attachments import PREFIXES

    bucket = template.sam_resources("AWS::S3::Bucket")["AttachmentsBucket"]["Properties"]
    [rule] = [r for r in bucket["LifecycleConfiguration"]["Rules"] if r["Id"] == "ExpireUnattachedUploads"]
    assert rule["Status"] == "Enabled"
    assert rule["Prefix"] == PREFIXES["agent"]
    assert rule["TagFilters"] == [{"Key": STATE_TAG, "Value": PENDING}]
    assert rule["ExpirationInDays"] >= 1


def _ssm_actions(template: LocalTemplate, function: str) -> set[str]:
    """The SSM actions a function may take on the signing key's parameter."""
    statements = template.sam_resources("AWS::Serverless::Function")[function]["Properties"]["Policies"][0]["Statement"]
    allowed: set[str] = set()
    for statement in statements:
        if "${SigningSecretParameterName}" in str(statement["Resource"]):
            allowed |= set(statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
    return allowed


@pytest.mark.parametrize(
    ("function", "actions"),
    [
        # status links and form tokens come back to the web form, reply addresses to the inbound function:
        # a token of a replaced key verifies through the parameter's history
        ("WebFormFunction", {"ssm:GetParameter", "ssm:GetParameterHistory"}),
        ("InboundEmailFunction", {"ssm:GetParameter", "ssm:GetParameterHistory"}),
        ("NotifierFunction", {"ssm:GetParameter"}),  # only signs, with the current key
        ("AgentApiFunction", {"ssm:GetParameter"}),  # only signs: the status links macros put in replies
    ],
)
def test_only_functions_that_verify_tokens_may_read_the_signing_keys_history(
    template: LocalTemplate, function: str, actions: set[str]
) -> None:
    assert _ssm_actions(template, function) == actions
