"""``opentelemetry-instrument hypercorn example:app``: route-named spans with no code change."""

from __future__ import annotations

from typing import Any

from huleedu_otel.receiver import OtlpReceiver, attributes_of
from tests.conftest import free_port, launched_under_instrument
from tests.instrumentation.quart import _client

APP = "tests.instrumentation.quart.example:app"


def _duration_points(receiver: OtlpReceiver) -> list[dict[str, Any]]:
    return [
        attributes_of(point.attributes)
        for _, metric in receiver.metrics()
        if metric.name == "http.server.request.duration"
        for point in metric.histogram.data_points
    ]


def test_launcher_traces_an_untouched_quart_app_under_hypercorn() -> None:
    """Spans named by the rule and the semconv histogram arrive over OTLP from the worker."""
    port = free_port()
    with OtlpReceiver() as receiver:
        with launched_under_instrument(
            APP,
            port,
            OTEL_SERVICE_NAME="quart-example",
            OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
            OTEL_EXPORTER_PROMETHEUS_PORT=str(free_port()),
            OTEL_BSP_SCHEDULE_DELAY="100",
            OTEL_METRIC_EXPORT_INTERVAL="300",
        ) as launched:
            statuses = _client.get_many(port, ["/essays/5", "/no/such/page"])
            assert receiver.wait_for(lambda r: len(_duration_points(r)) >= 2)

        assert statuses == [200, 404], launched.stderr
        names = {span.name for span in receiver.spans() if span.service_name == "quart-example"}
        assert {"GET /essays/<essay_id>", "GET"} <= names
        routes = {point.get("http.route") for point in _duration_points(receiver)}
        assert {"/essays/<essay_id>", None} == routes
