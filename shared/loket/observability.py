"""The one Logger, Tracer and Metrics of a function. Service name and namespace come from the template."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
