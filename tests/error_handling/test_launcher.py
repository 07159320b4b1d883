"""Under ``opentelemetry-instrument hypercorn``: errors counted on /metrics, tied to the trace."""

from __future__ import annotations

import http.client
import json
import time
import urllib.request
from typing import Any

from huleedu_otel.receiver import OtlpReceiver
from tests.conftest import free_port, launched_under_instrument
from tests.error_handling._apps import SECRET
from tests.instrumentation.quart import _client

APP = "tests.error_handling._launched_app:app"


def _scrape_until(port: int, wanted: str, timeout: float = 15.0) -> str:
    """/metrics, read again until ``wanted`` shows (the worker collects on each scrape)."""
    deadline = time.monotonic() + timeout
    body = ""
    while time.monotonic() < deadline:
        body = str(
            urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read(), "utf-8"
        )
        if wanted in body:
            return body
        time.sleep(0.1)
    raise AssertionError(f"{wanted!r} not on /metrics:\n{body}")


def _get_error(port: int, path: str, correlation_id: str) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"X-Correlation-ID": correlation_id})
        response = connection.getresponse()
        return response.status, json.loads(response.read())["error"]
    finally:
        connection.close()


def test_errors_show_on_metrics_and_their_trace_id_opens_the_requests_trace() -> None:
    port, prom_port = free_port(), free_port()
    with (
        OtlpReceiver() as receiver,
        launched_under_instrument(
            APP,
            port,
            OTEL_SERVICE_NAME="essay_service",
            OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
            OTEL_EXPORTER_PROMETHEUS_PORT=str(prom_port),
            OTEL_EXPORTER_PROMETHEUS_HOST="127.0.0.1",
            OTEL_BSP_SCHEDULE_DELAY="100",
        ) as launched,
    ):
        status, error = _get_error(port, "/essays/e-9", "cid-launch-1")
        statuses = _client.get_many(port, ["/essays/e-9", "/boom"])
        scraped = _scrape_until(prom_port, 'huleedu_error_code="UNKNOWN_ERROR"')
        assert receiver.wait_for(
            lambda r: len([s for s in r.spans() if s.name == "GET /boom"]) == 1
        )

    assert (status, statuses) == (404, [404, 500]), launched.stderr
    assert (error["code"], error["correlation_id"]) == ("RESOURCE_NOT_FOUND", "cid-launch-1")
    (first,) = [
        s for s in receiver.spans() if s.attributes.get("huleedu.correlation_id") == "cid-launch-1"
    ]
    assert error["trace_id"] == first.trace_id
    lines = [line for line in scraped.splitlines() if line.startswith("huleedu_errors_total{")]
    assert any('huleedu_error_code="RESOURCE_NOT_FOUND"' in line and line.endswith(" 2.0")
               for line in lines), lines  # fmt: skip
    assert any('http_response_status_code="500"' in line for line in lines), lines
    (boom,) = [s for s in receiver.spans() if s.name == "GET /boom"]
    assert boom.attributes["huleedu.error.code"] == "UNKNOWN_ERROR"
    assert boom.attributes["error.type"] == "UNKNOWN_ERROR"
    assert SECRET not in launched.stdout + launched.stderr
