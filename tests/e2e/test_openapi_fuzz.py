"""schemathesis against the agent API of the running local stack, guided by the document the API serves.

Every operation, every check schemathesis has, 15 generated examples per operation, deterministic so that a run
repeats. A failure means the document and the API disagree (a status, a header, a schema, a constraint), or a
5xx. schemathesis runs as its command line does (`st run`), in a process of its own; the stack is this module's
own, so the generated tickets stay out of the other tests' way.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from loket_local.auth import DEV_USERS
from loket_local.stack import LocalStack
from tests.e2e.conftest import start_stack

ST = Path(sys.executable).with_name("st")

# Statuses the checks accept beyond schemathesis's defaults, each a refusal the document lists and that a client
# cannot foresee from the schema alone:
# - 428 for a missing If-Match (RFC 6585: the precondition is required); the default list stops at 422;
# - 412 for a well-formed If-Match that is not the ticket's version (RFC 9110: it depends on the stored ticket);
# - 400 on GET /v1/tickets only: `cursor` is an opaque token the API hands out (a page's next_cursor), so a
#   well-formed one the API never made is refused, and no schema can tell the two apart;
# - 422 on creating or changing an agent only: `groups` must name groups the directory has (422 with the reason, as
#   for an unknown group in a routing rule), which depends on what is stored, not on the schema;
# - 400 on GET /v1/search: besides its cursor (as above), a query whose text asks for nothing (only stopwords or
#   one-letter words), more than 6 terms or a tag outside its characters: the meaning of the text, not its shape;
# - 422 on POST and PUT /v1/admin/macros: a body with a placeholder the API does not know, or a tag both added and
#   removed, is content the schema cannot express (the message names it);
# - 422 on POST and PUT of routing rules (at least one condition in `all` or `any`, a group or agent the directory
#   has), on PUT /v1/admin/routing (a default group that exists) and on PUT /v1/admin/rules/order (every stored
#   rule exactly once): cross-field or stored-state rules, each named in the message;
# - 422 on POST and PUT of SLA policies and calendars and on PUT /v1/admin/sla-policies/order: the SLA engine's
#   rules (a calendar that exists, unique policy names, overlapping spans, an IANA zone, a country the `holidays`
#   package knows, the name in the path), each named in the message.
# Every check runs (`[checks] enabled`; `--checks all` would override the one turned off here). One is off, and
# its probes (undeclared methods) are not sent: unsupported_method wants 405 for a method a path lacks, but an API
# Gateway HTTP API routes on method and path together and answers 404 {"message": "Not Found"} for no route, as
# the local gateway does.
CONFIG = """
base-url = "{base_url}"

[generation]
max-examples = 15
deterministic = true

[checks]
enabled = true

[checks.missing_required_header]
expected-statuses = ["400", "401", "403", "406", "415", "422", "428"]

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "429", "5xx"]

[checks.unsupported_method]
enabled = false

[phases.coverage]
unexpected-methods = []

[[operations]]
include-name = "GET /v1/tickets"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "412", "429",
                                                     "5xx"]

[[operations]]
include-name = "GET /v1/search"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "412", "429",
                                                     "5xx"]

[[operations]]
include-name = "POST /v1/admin/agents"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429",
                                                     "5xx"]

[[operations]]
include-name = "POST /v1/admin/macros"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429",
                                                     "5xx"]

[[operations]]
include-name = "PUT /v1/admin/agents/{{agent}}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429",
                                                     "5xx"]

[[operations]]
include-name = "PUT /v1/admin/macros/{{macro}}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429",
                                                     "5xx"]

[[operations]]
include-name = "POST /v1/admin/rules"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429",
                                                     "5xx"]

[[operations]]
include-name = "PUT /v1/admin/rules/{{rule}}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429",
                                                     "5xx"]

[[operations]]
include-name = "PUT /v1/admin/routing"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429",
                                                     "5xx"]

[[operations]]
include-name = "PUT /v1/admin/rules/order"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429",
                                                     "5xx"]

[[operations]]
include-name = "POST /v1/admin/sla-policies"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429",
                                                     "5xx"]

[[operations]]
include-name = "PUT /v1/admin/sla-policies/{{policy}}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429",
                                                     "5xx"]

[[operations]]
include-name = "PUT /v1/admin/sla-policies/order"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429",
                                                     "5xx"]

[[operations]]
include-name = "POST /v1/admin/calendars"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429",
                                                     "5xx"]

[[operations]]
include-name = "PUT /v1/admin/calendars/{{calendar}}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429",
                                                     "5xx"]
"""


@pytest.fixture(scope="module")
def stack(own_stacks: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    started = start_stack(tmp_path_factory.mktemp("fuzz-state"))
    yield started
    started.stop()


def test_the_agent_api_keeps_its_document(stack: LocalStack, tmp_path: Path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(base_url=stack.http_url))
    token = stack.issuer.token(next(u for u in DEV_USERS if u.key == "admin"))

    result = subprocess.run(
        [str(ST), "--config-file", str(config), "run", f"{stack.http_url}/v1/openapi.json",
         "--header", f"Authorization: Bearer {token}", "--workers", "1", "--no-color"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,  # schemathesis keeps a cache of past failures in its working folder: each run starts clean
        check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
