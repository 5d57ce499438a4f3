"""`make bench`: cold-start and request figures, printed and compared as ratios within one run.

No thresholds are asserted: absolute times depend on the machine, so each figure is set beside a
baseline measured in the same run (a bare interpreter; a raw boto3 call on the same moto table).

1. Cold start: a fresh interpreter imports each function's module (what Lambda's init phase does);
   median of several runs, and peak memory (max RSS), against a bare `python -c pass`. Then the
   measure of issue 9: a fresh process that imports the handler module and creates one DynamoDB client
   (the one the function's data layer uses), against a fresh process that imports boto3 and creates the
   same client; runs interleaved (COLD_RUNS of each), medians, at most COLD_TARGET (1.3x).
2. Warm requests through the agent API handler on moto, against the raw DynamoDB call underneath.
3. Mail to its acknowledgement on an idle local stack, one at a time and 20 at once, split into stages
   (`tests/bench_mail.py`, which also runs alone).

BENCH_RUNS (default 5): fresh interpreters per cold start, and mails sent one at a time.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.bench_mail import mail_latency

ROOT = Path(__file__).resolve().parent.parent


def _runs() -> int:
    raw = os.environ.get("BENCH_RUNS", "5")
    try:
        runs = int(raw)
    except ValueError:
        runs = 0
    if runs < 1:  # no figure comes out of zero runs (a median of nothing)
        raise SystemExit(f"BENCH_RUNS must be a whole number of at least 1, not {raw!r}")
    return runs


RUNS = _runs()
COLD_RUNS = 7
COLD_TARGET = 1.3

_PROBE = """
import resource, sys, time
t = time.perf_counter()
{statement}
elapsed = time.perf_counter() - t
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=f"{ROOT / 'shared'}{os.pathsep}{ROOT}",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        TABLE_NAME="bench",
        POWERTOOLS_SERVICE_NAME="loket",
        POWERTOOLS_METRICS_NAMESPACE="Loket",
        POWERTOOLS_METRICS_DISABLED="true",  # no EMF lines in the figures
        SIGNING_SECRET="bench-signing-secret",  # the agent API signs status links and attachment URLs
    )
    return env


def _probe(statement: str) -> tuple[float, float, float]:
    """(median import seconds, median whole-process seconds, max RSS MiB) over RUNS fresh interpreters."""
    imports, totals, rss = [], [], []
    for _ in range(RUNS):
        began = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", _PROBE.format(statement=statement)],
            capture_output=True,
            text=True,
            env=_env(),
            cwd=ROOT,
            check=True,
        ).stdout.split()
        totals.append(time.perf_counter() - began)
        imports.append(float(out[0]))
        rss.append(int(out[1]) / 1024)
    return statistics.median(imports), statistics.median(totals), max(rss)


def cold_starts() -> None:
    _, base_total, base_rss = _probe("pass")
    print(
        f"\ncold start (median of {RUNS} fresh interpreters; baseline: bare interpreter {base_total * 1000:.0f} ms, {base_rss:.0f} MiB)"
    )
    print(f"  {'function':<18} {'import ms':>10} {'process ms':>11} {'x bare':>7} {'max RSS MiB':>12}")
    for app in sorted((ROOT / "functions").glob("*/app.py")):
        name = app.parent.name
        imp, total, rss = _probe(f"import functions.{name}.app")
        print(f"  {name:<18} {imp * 1000:>10.0f} {total * 1000:>11.0f} {total / base_total:>7.1f} {rss:>12.0f}")


# a function's process up to its first DynamoDB call, against boto3 alone making the same client (botocore
# parses the DynamoDB service model once per process, in both)
_HANDLER_CLIENT = "import functions.{name}.app\nfrom loket.platform import aws\naws.dynamodb().client"
_BOTO3_CLIENT = "import boto3\nboto3.client('dynamodb', region_name='us-east-1')"


def _process_seconds(statement: str) -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], env=_env(), cwd=ROOT, check=True)
    return time.perf_counter() - began


def handler_against_boto3() -> bool:
    """Each function's cold start as a ratio to boto3's own; True when every function meets the target."""
    print(
        f"\ncold start against boto3 (fresh processes, {COLD_RUNS} of each interleaved, medians; "
        f"target at most {COLD_TARGET}x)"
    )
    print(f"  {'function':<18} {'handler ms':>11} {'boto3 ms':>9} {'ratio':>6}  target")
    all_met = True
    for app in sorted((ROOT / "functions").glob("*/app.py")):
        name = app.parent.name
        handler, bare = [], []
        for _ in range(COLD_RUNS):
            handler.append(_process_seconds(_HANDLER_CLIENT.format(name=name)))
            bare.append(_process_seconds(_BOTO3_CLIENT))
        ratio = statistics.median(handler) / statistics.median(bare)
        met = ratio <= COLD_TARGET
        all_met = all_met and met
        print(
            f"  {name:<18} {statistics.median(handler) * 1000:>11.0f} {statistics.median(bare) * 1000:>9.0f}"
            f" {ratio:>5.2f}x  {'met' if met else 'MISSED'}"
        )
    return all_met


def warm_requests() -> None:
    import boto3
    from moto import mock_aws

    os.environ.update({k: v for k, v in _env().items() if k != "PYTHONPATH"})
    os.environ.pop("AWS_ENDPOINT_URL", None)
    from functions.agent_api import app as agent_api
    from loket.platform.aws import reset as reset_platform
    from loket_local.template import table_create_args

    events = ROOT / "events" / "agent_api"

    class Context:
        function_name = "bench"
        memory_limit_in_mb = 512
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
        aws_request_id = "bench"

        @staticmethod
        def get_remaining_time_in_millis() -> int:
            return 10_000

    def event(name: str, **changes: Any) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((events / f"{name}.json").read_text())
        data.update(changes)
        return data

    def timed(fn: Any, n: int) -> float:
        began = time.perf_counter()
        for i in range(n):
            fn(i)
        return (time.perf_counter() - began) / n

    with mock_aws():
        client = boto3.client("dynamodb")
        client.create_table(**table_create_args("TicketsTable", "bench"))
        reset_platform()
        from loket.core.data.models import bind_data

        bind_data()
        from loket.core import directory
        from loket.core.data.models import DataSettings
        from loket.core.domain.directory import Agent, Group
        from loket.platform import config

        # the events' agent (sub agent-1) works the default group, where the tickets land: in its scope
        default_group = config.load(DataSettings).default_group
        directory.save_group(Group(default_group))
        directory.save_agent(Agent("agent-1", "agent@example.com", groups=(default_group,)))
        n = 30
        create = event("create_ticket")

        def api_create(i: int) -> None:
            create["headers"] = {**create["headers"], "idempotency-key": f"bench-{i}"}
            assert agent_api.lambda_handler(create, Context())["statusCode"] == 201

        def raw_transaction(i: int) -> None:
            # the same shape as a ticket creation: six puts in one transaction
            items = [
                {
                    "Put": {
                        "TableName": "bench",
                        "Item": {"PK": {"S": f"RAW#{i}"}, "SK": {"S": f"RAW#{k}"}, "v": {"S": "x" * 300}},
                    }
                }
                for k in range(6)
            ]
            client.transact_write_items(TransactItems=items)

        def raw_put(i: int) -> None:
            client.put_item(
                TableName="bench", Item={"PK": {"S": f"RAW#{i}"}, "SK": {"S": "RAW"}, "v": {"S": "x" * 500}}
            )

        t_create, t_tx = timed(api_create, n), timed(raw_transaction, n)
        timed(raw_put, n)
        get = event("get_ticket", pathParameters={"ticket": "LKT-1"})

        def api_get(_: int) -> None:
            answer = agent_api.lambda_handler(get, Context())
            assert answer["statusCode"] == 200, answer

        def raw_get(_: int) -> None:
            client.get_item(TableName="bench", Key={"PK": {"S": "RAW#1"}, "SK": {"S": "RAW"}}, ConsistentRead=True)

        t_get, t_raw_get = timed(api_get, n), timed(raw_get, n)
        listing = event("list_tickets", queryStringParameters={"status": "new", "limit": "25"})

        def api_list(_: int) -> None:
            assert agent_api.lambda_handler(listing, Context())["statusCode"] == 200

        def raw_query(_: int) -> None:
            client.query(
                TableName="bench",
                IndexName="StatusIndex",
                KeyConditionExpression="GSI2PK = :p",
                ExpressionAttributeValues={":p": {"S": "STATUS#new"}},
                Limit=25,
            )

        t_list, t_query = timed(api_list, n), timed(raw_query, n)

    print(f"\nwarm requests through the agent API handler on moto (mean of {n})")
    print(
        f"  create ticket   {t_create * 1000:7.1f} ms   x{t_create / t_tx:5.1f} a raw 6-put TransactWriteItems ({t_tx * 1000:.1f} ms)"
    )
    print(
        f"  get ticket      {t_get * 1000:7.1f} ms   x{t_get / t_raw_get:5.1f} a raw GetItem ({t_raw_get * 1000:.1f} ms)"
    )
    print(
        f"  list 25 tickets {t_list * 1000:7.1f} ms   x{t_list / t_query:5.1f} a raw 25-item Query ({t_query * 1000:.1f} ms)"
    )


if __name__ == "__main__":
    cold_starts()
    handler_against_boto3()
    warm_requests()
    mail_latency(RUNS)
