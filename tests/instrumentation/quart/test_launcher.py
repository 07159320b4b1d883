"""``opentelemetry-instrument hypercorn example:app``: route-named spans with no code change."""

from __future__ import annotations

import signal
import subprocess
from typing import Any

from huleedu_otel.receiver import OtlpReceiver, attributes_of
from tests._services import wait_for_port
from tests.conftest import BIN_DIR, REPO_ROOT, clean_env, free_port
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
        env = clean_env(
            OTEL_SERVICE_NAME="quart-example",
            OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
            OTEL_EXPORTER_PROMETHEUS_PORT=str(free_port()),
            OTEL_BSP_SCHEDULE_DELAY="100",
            OTEL_METRIC_EXPORT_INTERVAL="300",
            PYTHONPATH=str(REPO_ROOT),
        )
        command = [str(BIN_DIR / "opentelemetry-instrument"), str(BIN_DIR / "hypercorn")]
        server = subprocess.Popen(
            [*command, "--bind", f"127.0.0.1:{port}", APP],
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for_port(port, timeout=30)
            statuses = _client.get_many(port, ["/essays/5", "/no/such/page"])
            assert receiver.wait_for(lambda r: len(_duration_points(r)) >= 2)
        finally:
            server.send_signal(signal.SIGINT)
            _, stderr = server.communicate(timeout=30)

        assert statuses == [200, 404], stderr
        names = {span.name for span in receiver.spans() if span.service_name == "quart-example"}
        assert {"GET /essays/<essay_id>", "GET"} <= names
        routes = {point.get("http.route") for point in _duration_points(receiver)}
        assert {"/essays/<essay_id>", None} == routes
