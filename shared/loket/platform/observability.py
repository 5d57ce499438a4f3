"""The one Logger and Metrics of a function. Service name and namespace come from the template.

No Powertools Tracer: the X-Ray SDK adds 160-500 ms to every cold start (see `make bench`), and the
template's `Tracing: Active` already records each invocation in X-Ray without it.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()

# one name for a new ticket, whichever channel opened it: the channel is its dimension (`web`, `email`, `api`)
TICKET_CREATED = "TicketCreated"


def count(name: str, **dimensions: str) -> None:
    """Count one `name`. Without dimensions it joins the invocation's metrics (flushed by `log_metrics`).

    With dimensions it is written at once as an EMF document of its own: in Powertools a dimension applies to
    every metric of a document, so adding it to the shared `metrics` would also split the function's other
    metrics by it. `EphemeralMetrics` is Powertools' own non-shared instance for this.
    """
    from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

    if not dimensions:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        return
    single = EphemeralMetrics()
    for key, value in dimensions.items():
        single.add_dimension(name=key, value=value)
    single.add_metric(name=name, unit=MetricUnit.Count, value=1)
    single.flush_metrics()
