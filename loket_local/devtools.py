"""Developer endpoints under /_local/ (never part of the product's API).

GET  /_local/                     overview: functions, routes, schedules, queues, links
GET  /_local/login                development tokens (agent, lead, admin); /_local/tokens.json, /_local/jwks.json
GET  /_local/invoke/<function>    sample events from events/<function>/
POST /_local/invoke/<function>    run it now with ?event=<sample> or the posted JSON event
POST /_local/schedule/<name>      run a scheduled function now, ?at=2026-12-01T09:00:00+07:00 sets the clock
GET  /_local/outbox[.json]        every mail Loket sent, newest first
GET  /_local/bus[.json]           recent events on each event bus (last 100), each consumer's queue and DLQ depth
GET  /_local/dlq[.json]           what the dead-letter queues hold; POST /_local/dlq/<queue>/redrive moves it back
GET  /_local/invocations.json     the latest invocations (function, source, duration, error)
POST /_local/save                 write the state folder now
"""

from __future__ import annotations

import datetime as dt
import html
import json
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from loket_local.auth import AUDIENCE, DEV_USERS, ISSUER, DevUser, directory_users
from loket_local.gateway import json_response
from loket_local.lambdas import FunctionError

if TYPE_CHECKING:
    from loket_local.stack import LocalStack

_STYLE = """<style>body{font:14px/1.45 system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
code,pre,textarea{font:12px ui-monospace,monospace}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}
textarea{width:100%;height:5rem}.mail{border:1px solid #ccc;margin:1rem 0;padding:.5rem 1rem}</style>"""


def _page(title: str, body: str) -> Response:
    nav = " · ".join(
        f'<a href="/_local/{p}">{n}</a>'
        for p, n in (("", "overview"), ("login", "login"), ("outbox", "outbox"), ("bus", "bus"), ("dlq", "DLQs"))
    )
    return Response(
        f"<!doctype html><meta charset=utf-8><title>{html.escape(title)} · Loket local</title>{_STYLE}"
        f"<p><a href='/'>console</a> · {nav}</p><h1>{html.escape(title)}</h1>{body}",
        content_type="text/html; charset=utf-8",
    )


def _e(value: Any) -> str:
    return html.escape(str(value))


class DevEndpoints:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack

    def __call__(self, request: Request) -> Response | None:
        parts = [p for p in request.path.split("/")[2:] if p]
        head = parts[0] if parts else ""
        method = request.method
        try:
            if not parts and method == "GET":
                return self.overview()
            if head == "login" and method == "GET":
                return self.login()
            if head == "tokens.json":
                directory = {u.email: self.stack.issuer.token(u) for u in self.sign_in_users()[len(DEV_USERS) :]}
                tokens = {**self.stack.issuer.tokens(), "directory": directory}
                return json_response(200, {**tokens, "issuer": ISSUER, "audience": AUDIENCE})
            if head == "jwks.json":
                return json_response(200, self.stack.issuer.jwks())
            if head == "functions.json":
                return json_response(200, self.functions())
            if head == "invoke" and len(parts) == 2:
                return self.invoke(request, parts[1])
            if head == "schedule" and len(parts) == 2 and method == "POST":
                return self.schedule(request, parts[1])
            if head == "schedules.json":
                return json_response(200, self.schedules())
            if head in ("outbox", "outbox.json"):
                mails = self.stack.outbox.mails()
                return (
                    json_response(200, mails) if head.endswith(".json") or _wants_json(request) else self.outbox(mails)
                )
            if head in ("bus", "bus.json") and len(parts) == 1:
                buses = self.buses()
                return json_response(200, buses) if head.endswith(".json") or _wants_json(request) else self.bus(buses)
            if head in ("dlq", "dlq.json") and len(parts) == 1:
                queues = self.dead_letters()
                return (
                    json_response(200, queues) if head.endswith(".json") or _wants_json(request) else self.dlq(queues)
                )
            if head == "dlq" and len(parts) == 3 and parts[2] == "redrive" and method == "POST":
                return self.redrive(request, parts[1])
            if head == "invocations.json":
                runtime = self.stack.runtime
                return json_response(200, [i.summary() for i in [*runtime.running(), *reversed(runtime.history)]])
            if head == "save" and method == "POST":
                self.stack.save()
                return json_response(200, {"saved": str(self.stack.settings.state_dir.name)})
        except KeyError as exc:
            return json_response(404, {"message": f"unknown: {exc.args[0]}"})
        return None

    # ------------------------------------------------------------------ overview
    def functions(self) -> list[dict[str, Any]]:
        stack = self.stack
        out = []
        for logical, fn in stack.runtime.functions.items():
            out.append(
                {
                    "function": logical,
                    "name": stack.runtime.names.get(logical),
                    "code": fn.short_name,
                    "routes": [
                        c.route.route_key + ("" if c.route.authorizer else " (public)")
                        for c in stack.gateway.routes
                        if c.route.function == logical
                    ],
                    "schedules": [t.schedule.expression for t in stack.triggers if t.function == logical],
                    "sources": [w.name for w in stack.workers if getattr(w, "function", None) == logical],
                    "events": self._samples(fn.short_name),
                }
            )
        return out

    def _samples(self, short_name: str) -> list[str]:
        folder = self.stack.settings.events_dir / short_name
        return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []

    def overview(self) -> Response:
        stack = self.stack
        rows = []
        for fn in self.functions():
            samples = "".join(
                f"<form method=post action='/_local/invoke/{_e(fn['function'])}?event={_e(ev)}' style='display:inline'>"
                f"<button>{_e(ev)}</button></form> "
                for ev in fn["events"]
            )
            rows.append(
                f"<tr><td><b>{_e(fn['function'])}</b><br><code>{_e(fn['code'])}</code></td>"
                f"<td>{'<br>'.join(_e(r) for r in fn['routes'])}</td>"
                f"<td>{'<br>'.join(_e(s) for s in fn['schedules'] + fn['sources'])}</td><td>{samples}</td></tr>"
            )
        schedules = "".join(
            f"<tr><td>{_e(s['schedule'])}</td><td>{_e(s['expression'])} ({_e(s['timezone'])})</td>"
            f"<td>{_e(s['next'])}</td><td><form method=post action='/_local/schedule/{_e(s['schedule'])}'>"
            f"<input name=at placeholder='2026-12-01T09:00:00+07:00' size=28> <button>run now</button></form></td></tr>"
            for s in self.schedules()
        )
        notes = "".join(f"<li>{_e(n)}</li>" for n in stack.notes)
        body = (
            f"<p>Gateway {_e(stack.http_url)} · SMTP {_e(stack.settings.host)}:{stack.smtp_port} · "
            f"moto {_e(stack.aws.endpoint)} · state folder <code>{_e(stack.settings.state_dir.name)}</code></p>"
            "<h2>Functions</h2><table><tr><th>function</th><th>routes</th><th>schedules, sources</th>"
            f"<th>invoke with a sample event</th></tr>{''.join(rows)}</table>"
            "<h2>Schedules</h2><table><tr><th>schedule</th><th>expression</th><th>next</th><th></th></tr>"
            f"{schedules}</table>" + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "")
        )
        return _page("Loket local stack", body)

    def sign_in_users(self) -> list[DevUser]:
        """The development users, then every other agent of the directory (created through the admin API)."""
        table = self.stack.aws.tables().get("TicketsTable")
        extra = directory_users(self.stack.aws.client("dynamodb"), table) if table else []
        return [*DEV_USERS, *extra]

    def login(self) -> Response:
        issuer = self.stack.issuer
        cards = "".join(
            f"<h2>{_e(u.name or u.email)} &lt;{_e(u.email)}&gt;, groups {_e(', '.join(u.groups))}</h2>"
            f"<textarea readonly id=t-{i}>{_e(issuer.token(u))}</textarea>"
            f"<button onclick=\"navigator.clipboard.writeText(document.getElementById('t-{i}').value)\">copy</button> "
            f"<button onclick=\"sessionStorage.setItem('loket.idToken', document.getElementById('t-{i}').value);"
            f"location.href='/'\">open the console as {_e(u.name or u.email)}</button>"
            for i, u in enumerate(self.sign_in_users())
        )
        body = (
            f"<p>Development ID tokens from the local issuer (<code>{_e(ISSUER)}</code>), valid 30 days. Send one as "
            f"<code>Authorization: Bearer …</code>. <code>make token</code> prints the first three. Every agent of "
            f"the directory is here (an agent the admin API creates appears at once), with their role as group. "
            f"As JSON: <a href='/_local/tokens.json'>/_local/tokens.json</a>.</p>{cards}"
        )
        return _page("Development login", body)

    # ------------------------------------------------------------------ invoke
    def invoke(self, request: Request, name: str) -> Response:
        logical = self.stack.runtime.find(name)
        if logical is None:
            raise KeyError(f"function {name}")
        short = self.stack.runtime.functions[logical].short_name
        if request.method == "GET":
            return json_response(200, {"function": logical, "events": self._samples(short)})
        sample = request.args.get("event")
        if sample:
            path = self.stack.settings.events_dir / short / f"{sample}.json"
            if not path.is_file():
                raise KeyError(f"event {short}/{sample}")
            event = json.loads(path.read_text())
        else:
            try:
                event = json.loads(request.get_data() or b"{}")
            except ValueError:
                return json_response(400, {"message": "the posted event is not JSON"})
        try:
            result = self.stack.runtime.invoke(logical, event, source="/_local/invoke")
        except FunctionError as exc:
            return json_response(502, {"function": logical, "error": str(exc)})
        return json_response(200, {"function": logical, "result": result})

    # ------------------------------------------------------------------ schedules
    def schedules(self) -> list[dict[str, Any]]:
        stack = self.stack
        out = []
        for trigger in stack.triggers:
            upcoming = stack.scheduler.next_times(trigger) if stack.scheduler else []
            out.append(
                {
                    "schedule": trigger.schedule.logical_id,
                    "function": trigger.function,
                    "expression": trigger.schedule.expression,
                    "timezone": trigger.schedule.timezone,
                    "enabled": trigger.schedule.enabled,
                    "next": upcoming[0].isoformat() if upcoming else None,
                }
            )
        return out

    def schedule(self, request: Request, name: str) -> Response:
        text = request.args.get("at") or request.form.get("at") or ""
        try:
            at = dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else self.stack.clock()
        except ValueError:
            return json_response(400, {"message": f"at={text!r} is not an ISO 8601 time"})
        if at.tzinfo is None:
            return json_response(400, {"message": "at needs a UTC offset, e.g. 2026-12-01T09:00:00+07:00"})
        try:
            trigger, result = self.stack.run_schedule(name, at)
        except FunctionError as exc:
            return json_response(502, {"schedule": name, "error": str(exc)})
        return json_response(
            200,
            {
                "schedule": trigger.schedule.logical_id,
                "function": trigger.function,
                "time": at.astimezone(dt.UTC).isoformat(),
                "result": result,
            },
        )

    # ------------------------------------------------------------------ outbox
    @staticmethod
    def outbox(mails: list[dict[str, Any]]) -> Response:
        items = []
        for mail in mails:
            headers = "\n".join(f"{k}: {v}" for k, v in mail.get("headers") or [])
            attachments = ", ".join(
                f"{a['filename']} ({a['content_type']}, {a['size']} B)" for a in mail.get("attachments") or []
            )
            items.append(
                f"<div class=mail><h3>{_e(mail.get('subject'))}</h3><p>{_e(mail.get('sender'))} → "
                f"{_e(', '.join(mail.get('to') or []))} · {_e(mail.get('date'))}</p>"
                f"<details><summary>headers</summary><pre>{_e(headers)}</pre></details>"
                f"<pre>{_e(mail.get('text') or '')}</pre>"
                + (
                    f"<details><summary>HTML</summary><pre>{_e(mail['html'])}</pre></details>"
                    if mail.get("html")
                    else ""
                )
                + (f"<p>attachments: {_e(attachments)}</p>" if attachments else "")
                + "</div>"
            )
        body = (
            f"<p>{len(mails)} mails, newest first. As JSON: <a href='/_local/outbox.json'>/_local/outbox.json</a>"
            f"</p>{''.join(items) or '<p>No mail sent yet.</p>'}"
        )
        return _page("Outbox", body)

    # ------------------------------------------------------------------ buses
    def buses(self) -> dict[str, Any]:
        """Per bus: its consumers (rule, pattern, queue and DLQ depth) and its recent events, newest first."""
        stack = self.stack
        sqs = stack.aws.client("sqs")
        arn_to_logical = {arn: logical for logical, arn in stack.queue_arns.items()}
        dlq_of = {source: dlq for dlq, source in stack.dlq_sources.items()}

        def depth(logical: str | None) -> dict[str, Any] | None:
            if logical is None:
                return None
            attrs = sqs.get_queue_attributes(
                QueueUrl=stack.aws.queues()[logical],
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            return {
                "queue": logical,
                "visible": int(attrs["ApproximateNumberOfMessages"]),
                "in_flight": int(attrs["ApproximateNumberOfMessagesNotVisible"]),
            }

        out: dict[str, Any] = {}
        for name, bus in stack.buses.items():
            consumers = []
            for rule in bus.rules:
                for target, _url in rule.queues:
                    queue = arn_to_logical.get(target)
                    consumers.append(
                        {
                            "rule": rule.logical_id,
                            "pattern": rule.raw_pattern,
                            "queue": depth(queue),
                            "dlq": depth(dlq_of.get(queue or "")),
                        }
                    )
            out[name] = {"arn": bus.arn, "consumers": consumers, "events": bus.recent_events()}
        return out

    def bus(self, buses: dict[str, Any]) -> Response:
        def queue(info: dict[str, Any] | None) -> str:
            return (
                "none"
                if info is None
                else f"{_e(info['queue'])}: {info['visible']} waiting, {info['in_flight']} in flight"
            )

        sections = []
        for name, info in buses.items():
            consumers = "".join(
                f"<tr><td>{_e(c['rule'])}</td><td><code>{_e(json.dumps(c['pattern']))}</code></td>"
                f"<td>{queue(c['queue'])}</td><td>{queue(c['dlq'])}</td></tr>"
                for c in info["consumers"]
            )
            events = "".join(
                f"<tr><td>{_e(e['event']['time'])}</td><td>{_e(e['event']['detail-type'])}</td>"
                f"<td>{_e(', '.join(e['rules']) or 'no rule matched')}</td>"
                f"<td><pre>{_e(json.dumps(e['event']['detail'], indent=1))}</pre></td></tr>"
                for e in info["events"]
            )
            sections.append(
                f"<h2>{_e(name)}</h2><h3>Consumers</h3><table><tr><th>rule</th><th>pattern</th><th>queue</th>"
                f"<th>DLQ</th></tr>{consumers}</table><h3>Recent events ({len(info['events'])}, newest first)</h3>"
                f"<table><tr><th>time</th><th>detail-type</th><th>matched</th><th>detail</th></tr>{events}</table>"
            )
        body = "<p>As JSON: <a href='/_local/bus.json'>/_local/bus.json</a></p>" + (
            "".join(sections) or "<p>The template declares no event bus.</p>"
        )
        return _page("Event buses", body)

    # ------------------------------------------------------------------ DLQs
    def dead_letters(self) -> dict[str, Any]:
        from moto.sqs.models import sqs_backends

        stack = self.stack
        backend = sqs_backends[stack.account][stack.region]
        queues = stack.aws.queues()
        out = {}
        for dlq, source in stack.dlq_sources.items():
            with stack.aws.lock:  # moto changes its lists while it serves requests
                queue = backend.queues.get(queues[dlq].rstrip("/").rsplit("/", 1)[-1])
                messages = list(queue._messages) if queue is not None else []
            out[dlq] = {
                "source": source,
                "count": len(messages),
                "messages": [
                    {
                        "id": m.id,
                        "body": m.body,
                        "receive_count": m.approximate_receive_count,
                        "attributes": {k: v.get("StringValue") for k, v in m.message_attributes.items()},
                    }
                    for m in messages
                ],
            }
        return out

    def dlq(self, queues: dict[str, Any]) -> Response:
        sections = []
        for name, info in queues.items():
            rows = "".join(
                f"<tr><td><code>{_e(m['id'])}</code></td><td>{m['receive_count']}</td>"
                f"<td><pre>{_e(m['body'])}</pre></td></tr>"
                for m in info["messages"]
            )
            sections.append(
                f"<h2>{_e(name)} (dead letters of {_e(info['source'])}): {info['count']}</h2>"
                f"<form method=post action='/_local/dlq/{_e(name)}/redrive'><button "
                f"{'disabled' if not info['count'] else ''}>redrive to {_e(info['source'])}</button></form>"
                f"<table><tr><th>message</th><th>receives</th><th>body</th></tr>{rows}</table>"
            )
        return _page("Dead-letter queues", "".join(sections) or "<p>The template declares no dead-letter queue.</p>")

    def redrive(self, request: Request, name: str) -> Response:
        stack = self.stack
        source = stack.dlq_sources[name]
        queues = stack.aws.queues()
        sqs = stack.aws.client("sqs")
        moved = 0
        function = source.removeprefix("function:") if source.startswith("function:") else None
        while True:
            got = sqs.receive_message(
                QueueUrl=queues[name],
                MaxNumberOfMessages=10,
                VisibilityTimeout=60,
                MessageAttributeNames=["All"],
                AttributeNames=["All"],
            ).get("Messages", [])
            if not got:
                break
            for message in got:
                if function is not None:  # a function's DLQ holds events: invoke the function with them again
                    stack.invoker.submit(function, json.loads(message["Body"]), f"/_local/ redrive of {name}")
                    sqs.delete_message(QueueUrl=queues[name], ReceiptHandle=message["ReceiptHandle"])
                    moved += 1
                    continue
                args: dict[str, Any] = {"QueueUrl": queues[source], "MessageBody": message["Body"]}
                if message.get("MessageAttributes"):
                    args["MessageAttributes"] = message["MessageAttributes"]
                if queues[source].endswith(".fifo"):
                    args["MessageGroupId"] = message.get("Attributes", {}).get("MessageGroupId", "redrive")
                    args["MessageDeduplicationId"] = message["MessageId"]
                sqs.send_message(**args)
                sqs.delete_message(QueueUrl=queues[name], ReceiptHandle=message["ReceiptHandle"])
                moved += 1
        if _wants_json(request):
            return json_response(200, {"queue": name, "moved_to": source, "moved": moved})
        return Response(status=303, headers={"Location": "/_local/dlq"})


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept
