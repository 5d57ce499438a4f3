"""Counts through loket.platform.observability: a dimension stays on its own metric."""

from __future__ import annotations

import pytest

from loket.platform.observability import TICKET_CREATED, count, metrics
from tests.support.emf import emf_documents


def test_a_count_with_a_dimension_is_its_own_document_and_leaves_the_shared_metrics_alone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics.clear_metrics()
    count("InboundAutomatic")
    count(TICKET_CREATED, channel="email")

    [created] = emf_documents(capsys.readouterr().out)
    [directive] = created["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Loket"
    assert [m["Name"] for m in directive["Metrics"]] == ["TicketCreated"]
    assert sorted(directive["Dimensions"][0]) == ["channel", "service"]
    assert (created["TicketCreated"], created["channel"], created["service"]) == ([1.0], "email", "loket")
    shared = metrics.serialize_metric_set()
    assert set(shared["_aws"]["CloudWatchMetrics"][0]["Metrics"][0].values()) >= {"InboundAutomatic"}
    assert "channel" not in shared
    metrics.clear_metrics()
