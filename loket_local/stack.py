"""The whole local stack in one object: `LocalStack(settings).start()` ... `.stop()`.

Used by `python -m loket_local` (make run) and by the end-to-end tests, which start it in-process on free
ports with a temporary state folder.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import make_server

from loket_local.auth import DevIssuer
from loket_local.aws import EmbeddedAws
from loket_local.bus import LocalBus, Undeliverable
from loket_local.gateway import Gateway, resolve_cors
from loket_local.lambdas import FunctionRuntime
from loket_local.schedules import Scheduler, Trigger, schedule_event
from loket_local.settings import LocalSettings
from loket_local.smtp import ReceiptRules, ResolvedRule, SmtpServer, directory_addresses
from loket_local.sources import (
    AsyncInvoker,
    PipePoller,
    SqsPoller,
    StreamPoller,
    StreamReader,
    path_value,
    render_input,
)
from loket_local.state import Outbox, StateStore
from loket_local.template import LocalTemplate, Pipe

log = logging.getLogger("local-stack")


class PortInUse(RuntimeError):
    def __init__(self, port: int, variable: str) -> None:
        super().__init__(
            f"port {port} is already in use: stop what is using it, or set {variable} to another port "
            f"(for example {variable}={port + 1} make run)"
        )
        self.port, self.variable = port, variable


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _check_port(host: str, port: int, variable: str) -> int:
    if port == 0:
        return _free_port(host)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise PortInUse(port, variable) from exc
    return port


_aws_port_of_process = 0


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class LocalStack:
    settings: LocalSettings = field(default_factory=LocalSettings.from_env)
    clock: Callable[[], dt.datetime] = utc_now
    notes: list[str] = field(default_factory=list)  # what was skipped or not emulated, shown at start-up

    def __post_init__(self) -> None:
        self.stop_event = threading.Event()
        self.workers: list[Any] = []
        self.triggers: list[Trigger] = []
        self.scheduler: Scheduler | None = None
        self.smtp: SmtpServer | None = None
        self._http: Any = None
        self._http_thread: threading.Thread | None = None
        self._saver: threading.Thread | None = None
        self.started_in_s = 0.0
        self.fresh = False
        self.restored: dict[str, int] = {}
        self.dlq_sources: dict[str, str] = {}  # DLQ logical id -> source queue logical id

    # ------------------------------------------------------------------ start
    def start(self) -> LocalStack:
        begin = time.monotonic()
        s = self.settings
        self.http_port = _check_port(s.host, s.http_port, "LOKET_HTTP_PORT")
        self.smtp_port = _check_port(s.host, s.smtp_port, "LOKET_SMTP_PORT")
        global _aws_port_of_process
        if s.aws_port:
            aws_port = _check_port(s.host, s.aws_port, "LOKET_AWS_PORT")
        else:  # the same port for every stack this process starts (the functions' environments stay the same)
            aws_port = _aws_port_of_process = _aws_port_of_process or _free_port(s.host)

        self.template = LocalTemplate(s.template)
        self.store = StateStore(s.state_dir)
        self.fresh = self.store.fresh
        http_url = f"http://{'localhost' if s.host in ('127.0.0.1', '0.0.0.0') else s.host}:{self.http_port}"  # noqa: S104
        parameters = {
            k: v.replace("{http_url}", http_url) for k, v in self.template.local_parameter_overrides().items()
        }
        parameters.update(s.parameter_overrides)
        self.aws = EmbeddedAws(
            self.template,
            port=aws_port,
            host=s.host,
            secrets_store=self.store.read("ssm.json", {}),
            parameters=parameters,
        )
        self.aws.start()
        try:
            self._start_rest(s)
        except BaseException:
            self.stop(save=False)
            raise
        self.started_in_s = time.monotonic() - begin
        return self

    def _start_rest(self, s: LocalSettings) -> None:
        self.aws.provision()
        self.region, self.account = self.aws.region, self.aws.account

        functions = self.template.functions()
        self.runtime = FunctionRuntime(
            functions=functions,
            environments={n: self.aws.function_environment(f.environment) for n, f in functions.items()},
            base_environment=self.aws.base_environment(),
            names={n: self.aws.function_names.get(n, n) for n in functions},
            region=self.region,
            account=self.account,
            concurrency=s.function_concurrency,
            log_dir=s.state_dir / "logs",
        )
        self.runtime.warm()
        self.restored = self.store.load(self.aws)
        self.outbox = Outbox(self.aws, self.store.read("outbox.json", []))
        self.issuer = DevIssuer(s.state_dir)
        async_configs = self.template.async_configs()
        self.invoker = AsyncInvoker(
            self.runtime,
            self.stop_event,
            retries={n: c["retries"] for n, c in async_configs.items()},
            on_failure=self._async_failed,
        )
        self._failure_targets = {
            n: self.aws.resolve(c["on_failure"]) for n, c in async_configs.items() if c.get("on_failure")
        }
        self._failure_targets.update(
            {
                n: self.aws.resolve(f.dead_letter)
                for n, f in functions.items()
                if f.dead_letter is not None and n not in self._failure_targets
            }
        )
        self._find_dlqs()

        self._start_sources()
        self._start_schedules()
        self._start_smtp()
        self._start_gateway()
        self._saver = threading.Thread(target=self._save_loop, name="state-saver", daemon=True)
        self._saver.start()

    @property
    def http_url(self) -> str:
        host = "localhost" if self.settings.host in ("127.0.0.1", "0.0.0.0") else self.settings.host  # noqa: S104
        return f"http://{host}:{self.http_port}"

    def _find_dlqs(self) -> None:
        sqs = self.aws.client("sqs")
        arns = {}
        for logical, url in self.aws.queues().items():
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "RedrivePolicy"])["Attributes"]
            arns[attrs["QueueArn"]] = logical
            if "RedrivePolicy" in attrs:
                target = json.loads(attrs["RedrivePolicy"]).get("deadLetterTargetArn")
                self.dlq_sources[target] = logical
        for function, target in self._failure_targets.items():
            self.dlq_sources[str(target)] = f"function:{function}"
        self.dlq_sources = {arns[arn]: src for arn, src in self.dlq_sources.items() if arn in arns}
        self.queue_arns = {logical: arn for arn, logical in arns.items()}

    def _async_failed(self, function: str, event: Any, error: str) -> None:
        """Retries exhausted: the event goes to the function's DLQ (or on-failure destination), as Lambda does."""
        target = self._failure_targets.get(function)
        if not target or ":sqs:" not in str(target):
            log.warning("%s: event dropped after its retries (no dead-letter queue in the template)", function)
            return
        self.aws.client("sqs").send_message(
            QueueUrl=self.aws.queue_url(str(target)),
            MessageBody=json.dumps(event),
            MessageAttributes={
                "ErrorMessage": {"DataType": "String", "StringValue": error[:1000] or "error"},
                "RequestID": {"DataType": "String", "StringValue": "local"},
            },
        )
        log.warning("%s: event moved to its dead-letter queue after its retries", function)

    def _function(self, expr: Any, what: str) -> str | None:
        logical = self.aws.function_for(expr)
        if logical is None or logical not in self.runtime.functions:
            self.notes.append(f"{what}: target {expr!r} is not a function with code here; skipped")
            return None
        return logical

    def _build_buses(self) -> None:
        """The template's event buses and their rules; every rule target must be a queue that exists."""
        sqs = self.aws.client("sqs")

        def send(url: str, body: str) -> None:
            sqs.send_message(QueueUrl=url, MessageBody=body)

        self.buses: dict[str, LocalBus] = {}
        for bus in self.template.event_buses():
            name = str(self.aws.resolve(bus.name)) if bus.name else bus.logical_id
            arn = f"arn:aws:events:{self.region}:{self.account}:event-bus/{name}"
            self.buses[name] = LocalBus(bus.logical_id, name, arn, self.account, self.region, send)
        for rule in self.template.bus_rules():
            if not rule.enabled:
                self.notes.append(f"rule {rule.logical_id} is disabled in the template")
                continue
            if rule.unsupported:
                raise Undeliverable(
                    f"rule {rule.logical_id}: target settings the local bus does not honour: {'; '.join(rule.unsupported)}"
                )
            resolved = self.aws.resolve(rule.bus) if rule.bus is not None else "default"
            bus_name = _bus_name(str(getattr(resolved, "name", resolved)))  # moto's Ref of a bus is the bus itself
            if bus_name not in self.buses:
                raise Undeliverable(f"rule {rule.logical_id}: its bus {bus_name!r} is not an event bus of the template")
            queues = [
                (str(self.aws.resolve(t.arn)), self._queue_target(f"rule {rule.logical_id} target {t.id}", t.arn))
                for t in rule.targets
            ]
            if not queues:
                raise Undeliverable(f"rule {rule.logical_id} has no target: what it matches would go nowhere")
            self.buses[bus_name].add_rule(rule.logical_id, rule.pattern, queues)

    def _queue_target(self, what: str, expr: Any) -> str:
        """The URL of the queue `expr` designates; Undeliverable when it is not a queue of the local stack."""
        target = str(self.aws.resolve(expr))
        if ":sqs:" not in target:
            raise Undeliverable(f"{what}: {target} is not an SQS queue (the local stack delivers to SQS queues only)")
        try:
            return self.aws.queue_url(target)
        except Exception as exc:
            raise Undeliverable(f"{what}: the queue {target} does not exist ({exc})") from exc

    def _start_sources(self) -> None:
        self._build_buses()
        streams = self.aws.client("dynamodbstreams")
        for esm in self.template.event_source_mappings():
            function = self._function(esm.function, f"event source {esm.logical_id}")
            if function is None:
                continue
            if not esm.enabled:
                self.notes.append(f"event source {esm.logical_id} is disabled in the template")
                continue
            arn = str(self.aws.resolve(esm.source))
            worker: Any
            if ":sqs:" in arn:
                worker = SqsPoller(
                    self.stop_event,
                    esm,
                    function,
                    self.aws.queue_url(arn),
                    arn,
                    self.runtime,
                    self.aws.client("sqs"),
                    self.region,
                )
            elif "/stream/" in arn:
                worker = StreamPoller(
                    self.stop_event, esm, function, StreamReader(streams, arn, esm.starting_position), self.runtime
                )
            else:
                self.notes.append(f"event source {esm.logical_id}: {arn} is not emulated locally")
                continue
            self.workers.append(worker)
        for pipe in self.template.pipes():
            if not pipe.enabled:
                continue
            source = str(self.aws.resolve(pipe.source))
            if "/stream/" not in source:
                self.notes.append(f"pipe {pipe.logical_id}: source {source} is not emulated locally")
                continue
            send = self._pipe_target(pipe)
            reader = StreamReader(streams, source, pipe.starting_position)
            self.workers.append(
                PipePoller(self.stop_event, pipe, reader, send, self.aws.app, self._pipe_dead_letter(pipe))
            )
        for worker in self.workers:
            worker.start()

    def _pipe_dead_letter(self, pipe: Pipe) -> Callable[[list[dict[str, Any]], str], None] | None:
        """Where a batch the target kept refusing goes: the source's dead-letter queue, with what failed and why."""
        if pipe.dead_letter is None:
            return None
        target = str(self.aws.resolve(pipe.dead_letter))
        if ":sqs:" not in target:
            self.notes.append(f"pipe {pipe.logical_id}: dead-letter target {target} is not emulated locally")
            return None
        url, sqs = self.aws.queue_url(target), self.aws.client("sqs")

        def to_dead_letter(batch: list[dict[str, Any]], error: str) -> None:
            sequence = [r.get("dynamodb", {}).get("SequenceNumber") for r in batch]
            body = {"pipe": pipe.logical_id, "error": error, "sequenceNumbers": sequence, "records": batch}
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))

        return to_dead_letter

    def _pipe_target(self, pipe: Pipe) -> Callable[[list[dict[str, Any]]], None]:
        """How the pipe hands on a batch: to a queue, a bus or a function; Undeliverable for anything else."""
        target = str(self.aws.resolve(pipe.target))
        if ":event-bus/" in target:
            bus = self.buses.get(_bus_name(target))
            if bus is None:
                raise Undeliverable(f"pipe {pipe.logical_id}: target {target} is not an event bus of the template")
            bus_params = pipe.target_parameters.get("EventBridgeEventBusParameters") or {}
            source = str(self.aws.resolve(bus_params.get("Source", "")))
            detail_type = str(self.aws.resolve(bus_params.get("DetailType", "")))
            if not source or not detail_type:
                raise Undeliverable(f"pipe {pipe.logical_id}: an event bus target needs Source and DetailType")

            def to_bus(records: list[dict[str, Any]]) -> None:
                entries = []
                for record in records:
                    payload = render_input(pipe.input_template, record)
                    entries.append(
                        {
                            "Source": path_value(source, record),
                            "DetailType": path_value(detail_type, record),
                            "Detail": payload if isinstance(payload, str) else json.dumps(payload),
                        }
                    )
                bus.put(entries)

            return to_bus
        if ":sqs:" in target:
            url, sqs = self._queue_target(f"pipe {pipe.logical_id}", pipe.target), self.aws.client("sqs")
            params = pipe.target_parameters.get("SqsQueueParameters") or {}

            def to_queue(records: list[dict[str, Any]]) -> None:
                for record in records:
                    payload = render_input(pipe.input_template, record)
                    args: dict[str, Any] = {
                        "QueueUrl": url,
                        "MessageBody": payload if isinstance(payload, str) else json.dumps(payload),
                    }
                    for key, arg in (
                        ("MessageGroupId", "MessageGroupId"),
                        ("MessageDeduplicationId", "MessageDeduplicationId"),
                    ):
                        if key in params:
                            args[arg] = path_value(str(self.aws.resolve(params[key])), record)
                    sqs.send_message(**args)

            return to_queue
        function = self.aws.function_for(pipe.target)
        if function in self.runtime.functions:

            def to_function(records: list[dict[str, Any]]) -> None:
                self.invoker.submit(
                    function, [render_input(pipe.input_template, r) for r in records], f"pipe {pipe.logical_id}"
                )

            return to_function
        raise Undeliverable(
            f"pipe {pipe.logical_id}: target {target} is not a queue, an event bus or a function of the local stack"
        )

    def _start_schedules(self) -> None:
        start = self.clock()
        for schedule in self.template.schedules():
            function = self._function(schedule.target, f"schedule {schedule.logical_id}")
            if function is None:
                continue
            try:
                self.triggers.append(Trigger.of(schedule, function, start))
            except ValueError as exc:
                self.notes.append(f"schedule {schedule.logical_id}: {exc}; skipped")
        self.scheduler = Scheduler(self.triggers, self._fire, self.clock, self.stop_event)
        self.scheduler.start()

    def schedule_arn(self, trigger: Trigger) -> str:
        name = self.aws.resolve(trigger.schedule.name) if trigger.schedule.name else trigger.schedule.logical_id
        if trigger.schedule.kind == "scheduler":
            return f"arn:aws:scheduler:{self.region}:{self.account}:schedule/default/{name}"
        return f"arn:aws:events:{self.region}:{self.account}:rule/{name}"

    def _fire(self, trigger: Trigger, at: dt.datetime) -> None:
        event = schedule_event(trigger, at, self.schedule_arn(trigger), self.account, self.region)
        self.invoker.submit(trigger.function, event, f"schedule {trigger.schedule.logical_id} at {at.isoformat()}")

    def run_schedule(self, name: str, at: dt.datetime) -> Any:
        """Run a schedule (or a scheduled function) now, as if the clock read `at`; returns the result."""
        for trigger in self.triggers:
            if name in (
                trigger.schedule.logical_id,
                trigger.function,
                self.runtime.functions[trigger.function].short_name,
            ):
                event = schedule_event(trigger, at, self.schedule_arn(trigger), self.account, self.region)
                return trigger, self.runtime.invoke(trigger.function, event, source=f"/_local/ schedule at {at}")
        raise KeyError(name)

    def _start_smtp(self) -> None:
        rules = []
        for rule in self.template.receipt_rules():
            actions = []
            for action in rule.actions:
                resolved = self.aws.resolve(action)
                if "LambdaAction" in action:
                    function = self._function(action["LambdaAction"].get("FunctionArn"), f"receipt rule {rule.name}")
                    if function is None:
                        continue
                    resolved["LambdaAction"]["function"] = function
                actions.append(resolved)
            recipients = tuple(str(self.aws.resolve(r)).lower() for r in rule.recipients)
            rules.append(ResolvedRule(rule, actions, recipients))
        if not rules:
            self.notes.append("no SES receipt rule in the template: SMTP accepts no recipient yet")
        table = self.aws.tables().get("TicketsTable")
        dynamodb = self.aws.client("dynamodb")
        known = (lambda: directory_addresses(dynamodb, table)) if table else None
        self.receipt = ReceiptRules(
            rules, self.runtime, self.aws.client("s3"), self.invoker, self.region, self.account, known
        )
        self.smtp = SmtpServer(self.receipt, self.settings.host, self.smtp_port)
        self.smtp.start()

    @property
    def support_address(self) -> str | None:
        """The first address a receipt rule accepts (the template's support mailbox), if any."""
        return next((r for rule in self.receipt.rules for r in rule.recipients if "@" in r), None)

    def _start_gateway(self) -> None:
        from loket_local.devtools import DevEndpoints

        routes = self.template.routes()
        cors = resolve_cors(self.template.http_apis(), self.aws.resolve)
        self.dev = DevEndpoints(self)
        self.gateway = Gateway(routes, cors, self.runtime, self.issuer, self.settings.frontend_dir, self.dev)
        for route in routes:
            if route.authorizer is not None and route.authorizer.kind != "jwt":
                self.notes.append(f"route {route.route_key}: {route.authorizer.kind} authorizer checked as a JWT")
        self._http = make_server(self.settings.host, self.http_port, self.gateway, threaded=True)
        self._http_thread = threading.Thread(target=self._http.serve_forever, name="gateway", daemon=True)
        self._http_thread.start()

    # ------------------------------------------------------------------ state
    def _save_loop(self) -> None:
        saved = -1
        while not self.stop_event.wait(self.settings.persist_every_s):
            writes = self.aws.app.writes if self.aws.app is not None else -2
            if writes == saved:
                continue  # nothing written since the last round: no scan of every table
            try:
                self.store.save(self.aws, self.outbox)
                saved = writes
            except Exception:
                log.exception("saving the local state failed (will retry)")

    def save(self) -> None:
        self.store.save(self.aws, self.outbox)

    # ------------------------------------------------------------------ stop
    def stop(self, save: bool = True) -> None:
        """Stop everything (servers first, then pollers and schedules), save the state, stop moto."""
        self.stop_event.set()
        if self.smtp is not None:
            self.smtp.stop()
        if self._http is not None:
            self._http.shutdown()
        for worker in self.workers:
            worker.join()
        if self.scheduler is not None:
            self.scheduler.join()
        invoker = getattr(self, "invoker", None)
        if invoker is not None:
            invoker.shutdown()  # accepted mail and due schedules run to their end: nothing accepted is dropped
        for worker in self.workers:
            if isinstance(worker, PipePoller):
                worker.flush()  # what those last invocations wrote reaches its queue, which is saved
        if self._saver is not None:
            self._saver.join(timeout=30)
        try:
            if save and getattr(self, "outbox", None) is not None:
                self.save()
        finally:
            runtime = getattr(self, "runtime", None)
            if runtime is not None:
                runtime.close()
            self.aws.stop()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _bus_name(name_or_arn: str) -> str:
    return name_or_arn.rsplit("event-bus/", 1)[-1]
