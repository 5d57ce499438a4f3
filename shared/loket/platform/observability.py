"""The one Logger and Metrics of a function. Service name and namespace come from the template.

No Powertools Tracer: the X-Ray SDK adds 160-500 ms to every cold start (see `make bench`), and the
template's `Tracing: Active` already records each invocation in X-Ray without it.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
