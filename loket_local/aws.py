"""The embedded AWS: moto in server mode on loopback, holding the data plane that template.yaml declares.

The data-plane resources go through moto's own CloudFormation (one source of truth: the template), and
every expression the local stack needs (a function's environment, a queue ARN, a receipt rule's bucket) is
resolved against that stack, so functions see moto's physical names exactly as they would see AWS's.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from loket_local.template import LocalTemplate

REGION = "us-east-1"
STACK_NAME = "loket-local"
NAME_SEED = 20261128
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

log = logging.getLogger("local-stack")


class _Emulated:
    """Stands in for a resource moto does not build (a function, an API, a pipe): Ref and Fn::GetAtt answers."""

    def __init__(self, logical_id: str, kind: str, physical_id: str, account: str, region: str) -> None:
        self.logical_id = logical_id
        self.type = kind
        self.physical_resource_id = physical_id
        service = kind.split("::")[1].lower() if kind.count("::") == 2 else "local"
        if kind == "AWS::Lambda::Function":
            self.arn = f"arn:aws:lambda:{region}:{account}:function:{physical_id}"
        else:
            self.arn = f"arn:aws:{service}:{region}:{account}:{logical_id}/{physical_id}"

    def get_cfn_attribute(self, name: str) -> str:
        if name == "Arn":
            return self.arn
        return f"{self.physical_resource_id}.{name}"


StartResponse = Callable[..., Any]


class SerializedMoto:
    """moto's WSGI application, one request at a time.

    moto keeps its data in plain dicts and lists without locks: two requests at once can fail with "dictionary
    changed size during iteration", and two conditional writes can both pass their condition (two tickets with one
    number). So every request runs under `lock`, its response read to the end before the lock is let go; code of
    the stack that reads moto's backends in-process takes the same lock.

    An SQS long poll (ReceiveMessage with WaitTimeSeconds, JSON protocol) would hold the lock while it waits for a
    message that no one could then send: it is served as short polls under the lock, waiting between them outside
    it until a write or an SQS request arrives (a message may have been sent) or a quarter second passes (a message
    may have become visible again), up to the wait asked for. The same signal wakes the stack's stream readers.
    """

    _RECEIVE = "AmazonSQS.ReceiveMessage"

    _READS = ("Get", "Describe", "List", "Query", "Scan", "Receive", "BatchGet", "TransactGet")

    def __init__(self, app: Any, lock: threading.Lock) -> None:
        self.app, self.lock = app, lock
        self._changes = threading.Condition()
        self._generation = 0
        self.writes = 0  # requests that may have changed data (the state saver skips a round when none came)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # the body is read before the lock is taken: a client that stalls or dies half-way through sending it
        # (a function's process ended mid-request) must not hold every other request up
        body = _read_body(environ)
        environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if target == self._RECEIVE:
            return self._receive(environ, body, start_response)
        operation = target.rpartition(".")[2]
        write = not (operation.startswith(self._READS) if target else environ.get("REQUEST_METHOD") in ("GET", "HEAD"))
        if write:
            self.writes += 1
        status, headers, body = self._serve(environ)
        if write or target.startswith("AmazonSQS."):  # a receive may have moved a message to its DLQ
            with self._changes:
                self._generation += 1
                self._changes.notify_all()
        start_response(status, headers)
        return [body]

    def _serve(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        captured: dict[str, Any] = {}
        chunks: list[bytes] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured["status"], captured["headers"] = status, headers
            return chunks.append

        with self.lock:
            result = self.app(environ, capture)
            try:
                chunks.extend(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        return captured["status"], captured["headers"], b"".join(chunks)

    def _receive(self, environ: dict[str, Any], raw: bytes, start_response: StartResponse) -> Iterable[bytes]:
        try:
            request = json.loads(raw or b"{}")
            wait = float(request.get("WaitTimeSeconds") or 0)
        except (TypeError, ValueError, AttributeError):
            request, wait = None, 0.0
        body = raw if request is None else json.dumps({**request, "WaitTimeSeconds": 0}).encode()
        deadline = time.monotonic() + wait
        while True:
            with self._changes:
                seen = self._generation
            status, headers, answer = self._serve(
                {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
            )
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not status.startswith("200") or _has_messages(answer):
                start_response(status, headers)
                return [answer]
            self.wait_for_change(seen, min(0.25, remaining))

    @property
    def generation(self) -> int:
        """Counts the requests that may have made something new to read (a message sent, an item written)."""
        with self._changes:
            return self._generation

    def wait_for_change(self, seen: int, timeout: float) -> bool:
        """Wait until a request may have changed something since `generation` read `seen`, or `timeout` passes."""
        with self._changes:
            return self._changes.wait_for(lambda: self._generation != seen, timeout=timeout)


def lighter_transactions() -> None:
    """moto undoes a cancelled TransactWriteItems by putting back deep copies of every table it touched, taken before
    each transaction. Two faults follow for the local stack:

    - the copy includes the table's stream shard, so every shard iterator handed out before (the Pipe's, a
      mapping's) reads a shard that no longer receives records: after the first cancelled transaction (two tickets
      racing for a number) no ticket event reached the notifier again;
    - copying the whole table, stream records included, costs time that grows with everything ever stored (150 ms a
      transaction with a few hundred items), under the lock that serializes moto.

    Instead, only the items the transaction names are copied before it runs and put back if it is cancelled, and
    the live stream shard is cut back to the records it had. Applied once per process; the outcome of every
    transaction (written, or cancelled with its reasons) is moto's own."""
    import moto.dynamodb.models as models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original = DynamoDBBackend.transact_write_items
    if getattr(original, "lighter", False):
        return

    class _TablesNotCopied:
        """What moto's DynamoDB module sees as `copy`: its whole-table backups become the live table itself."""

        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved: list[tuple[Any, Any, Any, Any]] = []  # table, hash key, range key, the item before (or None)
        shards: dict[int, tuple[Any, int]] = {}
        for entry in transact_items:
            op: Any = next(iter(entry.values()), None)
            table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None
            attrs = (op.get("Key") or op.get("Item") or {}) if table is not None else {}
            if table is None or table.hash_key_attr not in attrs:
                continue  # moto refuses it below, before it writes anything
            range_attr = table.range_key_attr
            hash_key = DynamoType(attrs[table.hash_key_attr])
            range_key = DynamoType(attrs[range_attr]) if range_attr and range_attr in attrs else None
            if range_attr and range_key is None:
                continue
            saved.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
            if table.stream_shard is not None:
                shards.setdefault(id(table), (table.stream_shard, len(table.stream_shard.items)))
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_key, range_key, before in reversed(saved):
                place = table.items[hash_key] if range_key is not None else table.items
                key = range_key if range_key is not None else hash_key
                if before is None:
                    place.pop(key, None)
                else:
                    place[key] = before
            for shard, length in shards.values():
                del shard.items[length:]
            raise

    transact_write_items.lighter = True  # type: ignore[attr-defined]
    models.copy = _TablesNotCopied  # type: ignore[assignment]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def partition_queries() -> None:
    """moto answers a Query on a table's own key by sorting every item of the table and keeping the partition's:
    each Query costs time that grows with the whole table (a directory read took 40 ms beside a few thousand
    ticket items). Here the Query reads only its partition's items; moto still filters, sorts and pages them, so
    the answer is moto's own. Index queries are left as they are. Applied once per process."""
    from moto.dynamodb.models.table import Table

    original_query = Table.query
    if getattr(original_query, "partitioned", False):
        return
    original_all_items = Table.all_items
    asked = threading.local()  # the table and partition the current thread's Query reads

    def all_items(self: Any) -> Any:
        wanted = getattr(asked, "partition", None)
        if wanted is None or wanted[0] is not self:
            return original_all_items(self)
        found = self.items.get(wanted[1])  # .get: the items map is a defaultdict, a lookup must not add to it
        if found is None:
            return []
        return list(found.values()) if self.range_key_attr else [found]

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name or hash_key is None:
            return original_query(self, hash_key, *args, **kwargs)
        asked.partition = (self, hash_key)
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            asked.partition = None

    query.partitioned = True  # type: ignore[attr-defined]
    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        return bytes(stream.read(int(length)))
    if environ.get("wsgi.input_terminated"):  # chunked: the server ends the stream where the body ends
        return bytes(stream.read())
    return b""


def _has_messages(answer: bytes) -> bool:
    try:
        return bool(json.loads(answer).get("Messages"))
    except (TypeError, ValueError, AttributeError):
        return True  # not what we expected: hand it over as it is


@dataclass
class EmbeddedAws:
    template: LocalTemplate
    port: int = 0
    host: str = "127.0.0.1"
    region: str = REGION
    secrets_store: dict[str, str] = field(default_factory=dict)  # SSM values generated on an earlier start
    parameters: dict[str, str] = field(default_factory=dict)  # template parameter values for this machine

    def __post_init__(self) -> None:
        self._server: Any = None
        self.app: SerializedMoto | None = None
        self.endpoint = ""
        self.account = ""
        self.physical_ids: dict[str, str] = {}  # logical id -> physical id, for what moto built
        self.types: dict[str, str] = {}  # logical id -> resource type
        self.function_names: dict[str, str] = {}  # function logical id -> the name it has here
        self._resource_map: Any = None
        self.lock = threading.Lock()  # held while moto serves a request; in-process readers of moto take it too
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ life cycle
    def start(self) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        lighter_transactions()
        partition_queries()
        self.account = DEFAULT_ACCOUNT_ID
        self.app = SerializedMoto(DomainDispatcherApplication(create_backend_app), self.lock)
        self._server = make_server(self.host, self.port, self.app, threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()
        host, port = self._server.server_address[:2]
        self.port = int(port)
        self.endpoint = f"http://{host}:{port}"

    def stop(self) -> None:
        """Stop the server and forget its data: moto's backends are process-wide, the next start begins empty."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join()
            self._server = None
            from moto.moto_api._internal.models import moto_api_backend

            moto_api_backend.reset()

    def client(self, service: str, read_timeout: float = 60) -> Any:
        """A client bound to moto, independent of the process environment (tests change it)."""
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            config=Config(account_id_endpoint_mode="disabled", retries={"max_attempts": 2}, read_timeout=read_timeout),
            **CREDENTIALS,
        )

    def base_environment(self) -> dict[str, str]:
        """What every function process sees besides its own variables: moto, fake credentials, the region."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon on a laptop
            "POWERTOOLS_METRICS_DISABLED": "true",  # no CloudWatch to read EMF lines: keep the console readable
        }

    # ------------------------------------------------------------------ provisioning
    def provision(self) -> None:
        """SSM parameters the deployer creates, then the data plane through moto's CloudFormation."""
        from moto.cloudformation.models import cloudformation_backends
        from moto.cloudformation.parsing import get_model_map

        self._create_secret_parameters()
        body = self.template.data_plane(set(get_model_map()))
        cfn = self.client("cloudformation")
        if cfn.list_stacks(StackStatusFilter=["CREATE_COMPLETE"])["StackSummaries"]:
            raise RuntimeError("another local stack is running in this process (one at a time: moto is process-wide)")
        # moto draws the random part of physical names from a seedable generator: the same names on every start,
        # so handlers that keep names from their first import stay right across restarts and test stacks
        from moto.moto_api._internal import mock_random

        mock_random.seed(NAME_SEED)
        known = set(body.get("Parameters") or {})
        cfn.create_stack(
            StackName=STACK_NAME,
            TemplateBody=json.dumps(body),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in self.parameters.items() if k in known],
        )
        status = cfn.describe_stacks(StackName=STACK_NAME)["Stacks"][0]["StackStatus"]
        if status != "CREATE_COMPLETE":
            raise RuntimeError(f"moto could not build the template's data plane: {status}")
        for res in cfn.list_stack_resources(StackName=STACK_NAME)["StackResourceSummaries"]:
            self.physical_ids[res["LogicalResourceId"]] = res["PhysicalResourceId"]
            self.types[res["LogicalResourceId"]] = res["ResourceType"]
        stack = cloudformation_backends[self.account][self.region].get_stack(STACK_NAME)
        self._resource_map = stack.resource_map
        self._stand_in_for_emulated()
        self._apply_gaps()
        self._verify_senders()
        self._put_table_items()

    def _put_table_items(self) -> None:
        """The template's local table items (Metadata.MakeRun.TableItems), each put only when absent: a change made
        through the product since (an agent's groups) is kept across restarts."""
        for logical, items in self.template.local_table_items().items():
            table = self.physical_ids.get(logical)
            if table is None:
                raise RuntimeError(f"Metadata.MakeRun.TableItems names {logical}, which is no table of the template")
            dynamodb = self.client("dynamodb")
            hash_key = next(k["AttributeName"] for k in dynamodb.describe_table(TableName=table)["Table"]["KeySchema"])
            from boto3.dynamodb.types import TypeSerializer

            serialize = TypeSerializer().serialize
            for item in items:
                with contextlib.suppress(dynamodb.exceptions.ConditionalCheckFailedException):
                    dynamodb.put_item(
                        TableName=table,
                        Item={k: serialize(v) for k, v in item.items()},
                        ConditionExpression="attribute_not_exists(#k)",
                        ExpressionAttributeNames={"#k": hash_key},
                    )

    def _create_secret_parameters(self) -> None:
        ssm = self.client("ssm")
        for parameter, default in self.template.secret_parameter_names().items():
            name = self.parameters.get(parameter, default)
            value = self.secrets_store.get(name) or secrets.token_urlsafe(32)
            self.secrets_store[name] = value
            ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)

    def _user_pools(self) -> dict[str, str]:
        """The template's Cognito user pools and their groups, made in moto (its CloudFormation has no Cognito): the
        agent API creates agents' logins there as in AWS. {logical id: pool id}."""
        resources = self.template.cfn["Resources"]
        cognito = self.client("cognito-idp")
        pools: dict[str, str] = {}
        for name, res in resources.items():
            if res.get("Type") == "AWS::Cognito::UserPool":
                props = res.get("Properties") or {}
                options = {"UsernameAttributes": props["UsernameAttributes"]} if props.get("UsernameAttributes") else {}
                made = cognito.create_user_pool(PoolName=str(self._clean(props.get("UserPoolName", name))), **options)
                pools[name] = made["UserPool"]["Id"]
        for res in resources.values():
            props = res.get("Properties") or {}
            pool = props.get("UserPoolId")
            if res.get("Type") == "AWS::Cognito::UserPoolGroup" and isinstance(pool, dict) and pool.get("Ref") in pools:
                cognito.create_group(GroupName=str(props["GroupName"]), UserPoolId=pools[pool["Ref"]])
        return pools

    def _stand_in_for_emulated(self) -> None:
        """Give every resource moto did not build a Ref/GetAtt answer (functions get a stable name; user pools are
        made in moto and answer their id)."""
        parsed = self._resource_map._parsed_resources
        pools = self._user_pools()
        for name, res in self.template.cfn["Resources"].items():
            if name in self.physical_ids:
                continue
            kind = str(res.get("Type"))
            physical = pools.get(name, f"{STACK_NAME}-{name}")
            if kind == "AWS::Lambda::Function":
                declared = (res.get("Properties") or {}).get("FunctionName")
                if declared is not None:
                    physical = str(self._clean(declared))
                self.function_names[name] = physical
            parsed[name] = _Emulated(name, kind, physical, self.account, self.region)
            self.types[name] = kind

    def _apply_gaps(self) -> None:
        """What moto's CloudFormation ignores but the template asks for (TTL on tables)."""
        ddb = self.client("dynamodb")
        for name, res in self.template.cfn["Resources"].items():
            ttl = (res.get("Properties") or {}).get("TimeToLiveSpecification")
            if res.get("Type") == "AWS::DynamoDB::Table" and name in self.physical_ids and ttl:
                enabled = str(self._clean(ttl.get("Enabled", False))).lower() == "true"
                ddb.update_time_to_live(
                    TableName=self.physical_ids[name],
                    TimeToLiveSpecification={"AttributeName": self._clean(ttl["AttributeName"]), "Enabled": enabled},
                )

    def _verify_senders(self) -> None:
        """SES only sends from verified identities: verify the domains of the addresses the template names."""
        domains = set()
        values = [p.get("Default") for p in self.template.parameters.values()]
        for fn in self.template.functions().values():
            values.extend(self.function_environment(fn.environment).values())
        for value in values:
            if isinstance(value, str) and "@" in value and " " not in value.strip():
                domains.add(value.strip().rsplit("@", 1)[1].lower())
        for rule in self.template.receipt_rules():
            domains.update(str(self._clean(r)).split("@")[-1].lstrip(".").lower() for r in rule.recipients)
        ses = self.client("ses")
        for domain in sorted(d for d in domains if d):
            ses.verify_domain_identity(Domain=domain)

    # ------------------------------------------------------------------ resolution
    def _clean(self, expr: Any) -> Any:
        from moto.cloudformation.parsing import clean_json

        return clean_json(expr, self._resource_map)

    def resolve(self, expr: Any) -> Any:
        """A CloudFormation expression evaluated against the local stack (Ref, GetAtt, Sub, If, Join...)."""
        return self._clean(expr)

    def function_environment(self, environment: dict[str, Any]) -> dict[str, str]:
        resolved = self._clean(environment)
        return {
            k: v if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in resolved.items()
        }

    def function_for(self, expr: Any) -> str | None:
        """The function logical id an expression (a name or an ARN) designates, if any."""
        if expr is None:
            return None
        value = str(self._clean(expr))
        for logical, name in self.function_names.items():
            if value in (name, f"arn:aws:lambda:{self.region}:{self.account}:function:{name}") or value.endswith(
                f":function:{name}"
            ):
                return logical
        return None

    def logical_for_arn(self, arn: str) -> str | None:
        """The data-plane logical id whose ARN (or stream ARN) is `arn`."""
        for logical in self.physical_ids:
            resource = self._resource_map._parsed_resources.get(logical)
            for attr in ("Arn", "StreamArn"):
                try:
                    if resource is not None and resource.get_cfn_attribute(attr) == arn:
                        return logical
                except Exception:  # noqa: S112 - moto raises various errors for attributes a type lacks
                    continue
        return None

    def queue_url(self, logical_or_arn: str) -> str:
        if logical_or_arn.startswith("arn:"):
            name = logical_or_arn.rsplit(":", 1)[1]
            return str(self.client("sqs").get_queue_url(QueueName=name)["QueueUrl"])
        return self.physical_ids[logical_or_arn]

    def queues(self) -> dict[str, str]:
        """Logical id -> queue URL for every queue of the data plane."""
        return {n: p for n, p in self.physical_ids.items() if self.types.get(n) == "AWS::SQS::Queue"}

    def tables(self) -> dict[str, str]:
        return {n: p for n, p in self.physical_ids.items() if self.types.get(n) == "AWS::DynamoDB::Table"}

    def buckets(self) -> dict[str, str]:
        return {n: p for n, p in self.physical_ids.items() if self.types.get(n) == "AWS::S3::Bucket"}
