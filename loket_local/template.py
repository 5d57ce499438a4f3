"""Reading template.yaml: the one source of truth for tables, queues, routes and schedules.

Two views of the same file:
- the SAM template as written (`load_template`): function events (HTTP routes with their auth), code
  locations, layers;
- the template translated offline by aws-sam-translator (`LocalTemplate.cfn`): every implicit resource made
  explicit (event source mappings, schedule rules, Scheduler schedules, Globals merged into functions), and the
  data-plane subset that moto's CloudFormation can build.
Nothing here names a function, route, queue or bucket of Loket: it all comes from the file.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"

# CreateTable arguments that a CloudFormation AWS::DynamoDB::Table property maps to one to one
_TABLE_ARGS = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "BillingMode",
    "StreamSpecification",
)

# Resource types the local stack builds in moto's CloudFormation: the data plane. Everything else (functions,
# APIs, permissions, roles, schedules, pipes, receipt rules) is emulated by loket_local itself.
DATA_PLANE_PREFIXES = (
    "AWS::DynamoDB::",
    "AWS::SQS::",
    "AWS::S3::",
    "AWS::SNS::",
    "AWS::SSM::",
    "AWS::KMS::",
    "AWS::Kinesis::",
    "AWS::Events::EventBus",
)

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


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


# ---------------------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str
    timeout: int
    memory: int
    layer_dirs: tuple[Path, ...]
    environment: dict[str, Any]  # CloudFormation expressions, resolved by the embedded AWS
    function_name: Any  # the FunctionName property (an expression) or None
    dead_letter: Any = None  # DeadLetterConfig.TargetArn (expression): where failed async events go
    reserved_concurrency: int | None = None  # ReservedConcurrentExecutions: at most this many environments

    @property
    def short_name(self) -> str:
        """The code folder's name (functions/<name>/), which is also the folder of its sample events."""
        return self.code_dir.name


@dataclass(frozen=True)
class Authorizer:
    name: str
    kind: str  # "jwt" or something the local gateway does not emulate
    identity_source: str = "$request.header.Authorization"


@dataclass(frozen=True)
class Route:
    api: str
    method: str  # upper case, or ANY
    path: str  # "/v1/tickets/{ticket}", or "$default"
    function: str  # logical id
    authorizer: Authorizer | None  # None: public
    scopes: tuple[str, ...] = ()
    event_name: str = ""

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass
class HttpApiSpec:
    logical_id: str
    cors: dict[str, Any] | None = None  # CorsConfiguration (expressions), True for "allow all", or None
    authorizers: dict[str, Authorizer] = field(default_factory=dict)
    default_authorizer: str | None = None


@dataclass(frozen=True)
class EventSourceMapping:
    logical_id: str
    function: Any  # FunctionName expression
    source: Any  # EventSourceArn expression
    batch_size: int | None
    batching_window: int
    report_item_failures: bool
    enabled: bool
    filters: tuple[str, ...]
    starting_position: str
    maximum_retry_attempts: int


@dataclass(frozen=True)
class Schedule:
    logical_id: str
    expression: str
    timezone: str
    target: Any  # target ARN expression
    input: Any  # Input expression (a JSON string) or None
    enabled: bool
    kind: str  # "rule" (EventBridge rule) or "scheduler" (EventBridge Scheduler)
    name: Any = None


@dataclass(frozen=True)
class Pipe:
    logical_id: str
    source: Any
    target: Any
    filters: tuple[str, ...]
    batch_size: int
    starting_position: str
    enabled: bool
    input_template: str | None
    target_parameters: dict[str, Any]
    maximum_retry_attempts: int = -1  # the source's MaximumRetryAttempts (-1: until the record expires)
    dead_letter: Any = None  # the source's DeadLetterConfig.Arn (expression): where a batch goes after its retries


@dataclass(frozen=True)
class EventBus:
    logical_id: str
    name: Any  # the Name property (an expression)


@dataclass(frozen=True)
class BusTarget:
    id: str
    arn: Any  # expression


@dataclass(frozen=True)
class BusRule:
    """An EventBridge rule with an EventPattern (scheduled rules are `Schedule`s)."""

    logical_id: str
    bus: Any  # EventBusName expression (a name or an ARN); None: the default bus
    pattern: dict[str, Any]
    targets: tuple[BusTarget, ...]
    enabled: bool
    unsupported: tuple[str, ...] = ()  # target settings the local bus does not honour (Input, RetryPolicy...)


@dataclass(frozen=True)
class ReceiptRule:
    logical_id: str
    rule_set: Any
    name: str
    after: str | None
    enabled: bool
    recipients: tuple[Any, ...]  # expressions
    scan_enabled: bool
    actions: tuple[dict[str, Any], ...]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def referenced_names(expr: Any) -> Iterator[str]:
    """Logical ids an expression refers to (Ref, Fn::GetAtt, ${X} and ${X.Attr} in Fn::Sub)."""
    if isinstance(expr, dict):
        for key, value in expr.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt":
                target = value.split(".", 1)[0] if isinstance(value, str) else value[0]
                yield target
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                local = set(value[1]) if isinstance(value, list) and len(value) > 1 else set()
                for name in re.findall(r"\$\{([^!}][^}]*)\}", text):
                    base = name.split(".", 1)[0]
                    if base not in local:
                        yield base
                if isinstance(value, list) and len(value) > 1:
                    yield from referenced_names(value[1])
            else:
                yield from referenced_names(value)
    elif isinstance(expr, list):
        for item in expr:
            yield from referenced_names(item)


class LocalTemplate:
    """The template as the local stack needs it: functions, routes, sources, schedules and the data plane."""

    def __init__(self, path: Path = TEMPLATE, region: str = "us-east-1") -> None:
        self.path = path.resolve()
        self.base_dir = self.path.parent
        self.region = region
        self.sam: dict[str, Any] = copy.deepcopy(yaml_parse(self.path.read_text()))
        self.cfn = self._translate()

    # ------------------------------------------------------------------ translation
    def _translate(self) -> dict[str, Any]:
        """SAM to plain CloudFormation, offline (no AWS call), with local code locations replaced."""
        import boto3
        from samtranslator.internal.managed_policies import get_bundled_managed_policy_map
        from samtranslator.parser import parser
        from samtranslator.translator.translator import Translator

        sam = copy.deepcopy(self.sam)
        for name, res in sam.get("Resources", {}).items():
            props = res.get("Properties") or {}
            for key in ("CodeUri", "ContentUri", "DefinitionUri"):
                if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                    props[key] = f"s3://local-code/{name}"
        session = boto3.Session(region_name=self.region, aws_access_key_id="local", aws_secret_access_key="local")
        translator = Translator(
            managed_policy_map=get_bundled_managed_policy_map("aws"), sam_parser=parser.Parser(), boto_session=session
        )
        cfn: dict[str, Any] = translator.translate(sam_template=sam, parameter_values={})
        return cfn

    @property
    def parameters(self) -> dict[str, dict[str, Any]]:
        params: dict[str, dict[str, Any]] = self.sam.get("Parameters") or {}
        return params

    def cfn_resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {n: r for n, r in self.cfn["Resources"].items() if r.get("Type") == kind}

    def sam_resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {n: r for n, r in (self.sam.get("Resources") or {}).items() if r.get("Type") == kind}

    # ------------------------------------------------------------------ data plane
    def data_plane(self, supported: set[str]) -> dict[str, Any]:
        """The resources moto's CloudFormation builds: data-plane types it supports whose references all resolve.

        A resource that refers to something emulated elsewhere (a function, an API) is left out, and so is
        everything that depends on it.
        """
        resources = self.cfn["Resources"]
        params = set(self.cfn.get("Parameters") or {})
        keep = {
            n
            for n, r in resources.items()
            if r.get("Type") in supported and r.get("Type", "").startswith(DATA_PLANE_PREFIXES)
        }
        changed = True
        while changed:
            changed = False
            for name in sorted(keep):
                res = resources[name]
                deps = set(referenced_names(res.get("Properties") or {})) | set(_as_list(res.get("DependsOn")))
                missing = {d for d in deps if d not in keep and d not in params and not d.startswith("AWS::")}
                if missing:
                    keep.discard(name)
                    changed = True
        body: dict[str, Any] = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {n: resources[n] for n in resources if n in keep},
        }
        for section in ("Parameters", "Conditions", "Mappings"):
            if self.cfn.get(section):
                body[section] = self.cfn[section]
        return body

    # ------------------------------------------------------------------ functions
    def functions(self) -> dict[str, FunctionSpec]:
        globals_fn = (self.sam.get("Globals") or {}).get("Function") or {}
        layers = self.sam_resources("AWS::Serverless::LayerVersion")
        out: dict[str, FunctionSpec] = {}
        for name, res in self.sam_resources("AWS::Serverless::Function").items():
            props = res.get("Properties") or {}
            translated = (self.cfn["Resources"].get(name) or {}).get("Properties") or {}
            code_uri = props.get("CodeUri", globals_fn.get("CodeUri"))
            if not isinstance(code_uri, str) or code_uri.startswith("s3://"):
                continue  # code not in this checkout: nothing to run locally
            layer_dirs = []
            for layer in _as_list(props.get("Layers", globals_fn.get("Layers"))):
                ref = layer.get("Ref") if isinstance(layer, dict) else None
                content = ((layers.get(ref) or {}).get("Properties") or {}).get("ContentUri") if ref else None
                if isinstance(content, str) and not content.startswith("s3://"):
                    layer_dirs.append((self.base_dir / content).resolve())
            out[name] = FunctionSpec(
                logical_id=name,
                code_dir=(self.base_dir / code_uri).resolve(),
                handler=str(props.get("Handler", globals_fn.get("Handler", "app.lambda_handler"))),
                timeout=int(translated.get("Timeout", 3)),
                memory=int(translated.get("MemorySize", 128)),
                layer_dirs=tuple(layer_dirs),
                environment=dict((translated.get("Environment") or {}).get("Variables") or {}),
                function_name=translated.get("FunctionName"),
                dead_letter=(translated.get("DeadLetterConfig") or {}).get("TargetArn"),
                reserved_concurrency=_int_or_none(translated.get("ReservedConcurrentExecutions")),
            )
        return out

    # ------------------------------------------------------------------ HTTP APIs
    def http_apis(self) -> dict[str, HttpApiSpec]:
        globals_api = (self.sam.get("Globals") or {}).get("HttpApi") or {}
        apis: dict[str, HttpApiSpec] = {}
        declared = self.sam_resources("AWS::Serverless::HttpApi")
        for name, res in {"ServerlessHttpApi": {"Properties": {}}, **declared}.items():
            props = {**globals_api, **(res.get("Properties") or {})}
            auth = props.get("Auth") or {}
            authorizers = {}
            for auth_name, conf in (auth.get("Authorizers") or {}).items():
                kind = "jwt" if "JwtConfiguration" in conf else "lambda" if "FunctionArn" in conf else "other"
                source = conf.get("IdentitySource", "$request.header.Authorization")
                authorizers[auth_name] = Authorizer(auth_name, kind, source if isinstance(source, str) else "")
            apis[name] = HttpApiSpec(name, props.get("CorsConfiguration"), authorizers, auth.get("DefaultAuthorizer"))
        return apis

    def routes(self) -> list[Route]:
        """HTTP API routes from the functions' events, with the authorizer API Gateway would run."""
        apis = self.http_apis()
        routes = []
        for fn_name, res in self.sam_resources("AWS::Serverless::Function").items():
            for event_name, event in ((res.get("Properties") or {}).get("Events") or {}).items():
                if event.get("Type") != "HttpApi":
                    continue
                props = event.get("Properties") or {}
                api_ref = props.get("ApiId")
                api_name = str(api_ref.get("Ref")) if isinstance(api_ref, dict) else "ServerlessHttpApi"
                api = apis.get(api_name) or HttpApiSpec(str(api_name))
                path = props.get("Path")
                method = str(props.get("Method") or "ANY").upper()
                if path is None:
                    path, method = "$default", "ANY"
                if method in ("*", "X-AMAZON-APIGATEWAY-ANY-METHOD"):
                    method = "ANY"
                auth = props.get("Auth") or {}
                auth_name = auth.get("Authorizer", api.default_authorizer)
                authorizer = (
                    None
                    if auth_name in (None, "NONE")
                    else api.authorizers.get(auth_name, Authorizer(auth_name, "other"))
                )
                routes.append(
                    Route(
                        api_name,
                        method,
                        str(path),
                        fn_name,
                        authorizer,
                        tuple(auth.get("AuthorizationScopes") or ()),
                        event_name,
                    )
                )
        return routes

    # ------------------------------------------------------------------ event sources
    def event_source_mappings(self) -> list[EventSourceMapping]:
        out = []
        for name, res in self.cfn_resources("AWS::Lambda::EventSourceMapping").items():
            p = res.get("Properties") or {}
            filters = tuple(str(f.get("Pattern", "")) for f in (p.get("FilterCriteria") or {}).get("Filters") or [])
            out.append(
                EventSourceMapping(
                    logical_id=name,
                    function=p.get("FunctionName"),
                    source=p.get("EventSourceArn"),
                    batch_size=int(p["BatchSize"]) if "BatchSize" in p else None,
                    batching_window=int(p.get("MaximumBatchingWindowInSeconds", 0)),
                    report_item_failures="ReportBatchItemFailures" in (p.get("FunctionResponseTypes") or []),
                    enabled=str(p.get("Enabled", True)).lower() != "false",
                    filters=filters,
                    starting_position=str(p.get("StartingPosition", "LATEST")),
                    maximum_retry_attempts=int(p.get("MaximumRetryAttempts", -1)),
                )
            )
        return out

    def async_configs(self) -> dict[str, dict[str, Any]]:
        """EventInvokeConfig per function (logical id): retry attempts and the on-failure destination."""
        out = {}
        for res in self.cfn_resources("AWS::Lambda::EventInvokeConfig").values():
            p = res.get("Properties") or {}
            ref = p.get("FunctionName")
            if isinstance(ref, dict) and "Ref" in ref:
                on_failure = ((p.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
                out[str(ref["Ref"])] = {"retries": int(p.get("MaximumRetryAttempts", 2)), "on_failure": on_failure}
        return out

    def schedules(self) -> list[Schedule]:
        out = []
        for name, res in self.cfn_resources("AWS::Events::Rule").items():
            p = res.get("Properties") or {}
            if "ScheduleExpression" not in p:
                continue
            targets = p.get("Targets") or []
            for target in targets:
                out.append(
                    Schedule(
                        name if len(targets) == 1 else f"{name}/{target.get('Id')}",
                        str(p["ScheduleExpression"]),
                        "UTC",
                        target.get("Arn"),
                        target.get("Input"),
                        str(p.get("State", "ENABLED")).upper() == "ENABLED",
                        "rule",
                        p.get("Name"),
                    )
                )
        for name, res in self.cfn_resources("AWS::Scheduler::Schedule").items():
            p = res.get("Properties") or {}
            target = p.get("Target") or {}
            out.append(
                Schedule(
                    name,
                    str(p.get("ScheduleExpression")),
                    str(p.get("ScheduleExpressionTimezone", "UTC")),
                    target.get("Arn"),
                    target.get("Input"),
                    str(p.get("State", "ENABLED")).upper() == "ENABLED",
                    "scheduler",
                    p.get("Name"),
                )
            )
        return out

    def pipes(self) -> list[Pipe]:
        out = []
        for name, res in self.cfn_resources("AWS::Pipes::Pipe").items():
            p = res.get("Properties") or {}
            sp = p.get("SourceParameters") or {}
            stream = sp.get("DynamoDBStreamParameters") or sp.get("KinesisStreamParameters") or {}
            sqs = sp.get("SqsQueueParameters") or {}
            tp = p.get("TargetParameters") or {}
            filters = tuple(str(f.get("Pattern", "")) for f in (sp.get("FilterCriteria") or {}).get("Filters") or [])
            out.append(
                Pipe(
                    name,
                    p.get("Source"),
                    p.get("Target"),
                    filters,
                    int(stream.get("BatchSize") or sqs.get("BatchSize") or 10),
                    str(stream.get("StartingPosition", "LATEST")),
                    str(p.get("DesiredState", "RUNNING")).upper() == "RUNNING",
                    tp.get("InputTemplate"),
                    tp,
                    int(stream.get("MaximumRetryAttempts", -1)),
                    (stream.get("DeadLetterConfig") or {}).get("Arn"),
                )
            )
        return out

    def event_buses(self) -> list[EventBus]:
        return [
            EventBus(name, (res.get("Properties") or {}).get("Name"))
            for name, res in self.cfn_resources("AWS::Events::EventBus").items()
        ]

    def bus_rules(self) -> list[BusRule]:
        """Rules that match events on a bus (EventPattern), with their targets."""
        out = []
        for name, res in self.cfn_resources("AWS::Events::Rule").items():
            p = res.get("Properties") or {}
            if "EventPattern" not in p:
                continue
            raw = p["EventPattern"]
            pattern = json.loads(raw) if isinstance(raw, str) else raw
            targets, unsupported = [], []
            for t in p.get("Targets") or []:
                targets.append(BusTarget(str(t.get("Id")), t.get("Arn")))
                extra = set(t) - {"Id", "Arn"}
                if extra:
                    unsupported.append(f"{t.get('Id')}: {', '.join(sorted(extra))}")
            out.append(
                BusRule(
                    name,
                    p.get("EventBusName"),
                    pattern,
                    tuple(targets),
                    str(p.get("State", "ENABLED")).upper() == "ENABLED",
                    tuple(unsupported),
                )
            )
        return out

    def receipt_rules(self) -> list[ReceiptRule]:
        out = []
        for name, res in self.cfn_resources("AWS::SES::ReceiptRule").items():
            p = res.get("Properties") or {}
            rule = p.get("Rule") or {}
            out.append(
                ReceiptRule(
                    name,
                    p.get("RuleSetName"),
                    str(rule["Name"]) if isinstance(rule.get("Name"), str) else name,
                    p.get("After"),
                    str(rule.get("Enabled", True)).lower() != "false",
                    tuple(rule.get("Recipients") or ()),
                    str(rule.get("ScanEnabled", False)).lower() == "true",
                    tuple(rule.get("Actions") or ()),
                )
            )
        return _order_rules(out)

    def local_parameter_overrides(self) -> dict[str, str]:
        """Parameter values for the local stack the template itself suggests, in its Metadata:

        Metadata: {MakeRun: {ParameterOverrides: {PublicBaseUrl: "{http_url}"}}}
        ("{http_url}" becomes the local gateway's URL).
        """
        local = ((self.sam.get("Metadata") or {}).get("MakeRun") or {}).get("ParameterOverrides") or {}
        return {str(k): str(v) for k, v in local.items() if k in self.parameters}

    def local_table_items(self) -> dict[str, list[dict[str, Any]]]:
        """Items the local stack puts into a table at start when absent (the development identities' directory
        entries), from the template's Metadata: {MakeRun: {TableItems: {TicketsTable: [{PK: ..., ...}]}}}."""
        local = ((self.sam.get("Metadata") or {}).get("MakeRun") or {}).get("TableItems") or {}
        return {str(table): [dict(item) for item in items] for table, items in local.items()}

    def secret_parameter_names(self) -> dict[str, str]:
        """Template parameters that name an SSM parameter the deployer creates: {parameter: SSM name}."""
        out = {}
        for name, spec in self.parameters.items():
            kind = str(spec.get("Type", ""))
            default = spec.get("Default")
            names_ssm = kind.startswith("AWS::SSM::Parameter") or name.endswith(("ParameterName", "ParamName"))
            if names_ssm and isinstance(default, str) and default:
                out[name] = default
        return out


def _order_rules(rules: list[ReceiptRule]) -> list[ReceiptRule]:
    """Rules in evaluation order: `After` places a rule after the named one, as SES does."""
    ordered: list[ReceiptRule] = []
    pending = list(rules)
    while pending:
        progressed = False
        for rule in list(pending):
            after = rule.after if isinstance(rule.after, str) else None
            if after is None or after not in {r.name for r in rules} or after in {r.name for r in ordered}:
                index = next((i + 1 for i, r in enumerate(ordered) if r.name == after), len(ordered))
                ordered.insert(index if after else len(ordered), rule)
                pending.remove(rule)
                progressed = True
        if not progressed:
            ordered.extend(pending)
            break
    return ordered


def _int_or_none(value: Any) -> int | None:
    """A literal number from the template; an expression (a parameter) is left to the caller's default."""
    try:
        return int(value) if value is not None and not isinstance(value, dict) else None
    except (TypeError, ValueError):
        return None
