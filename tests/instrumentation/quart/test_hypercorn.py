"""Through a real hypercorn server on a free port, scraped like Prometheus would."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from quart import Quart

from huleedu_otel._setup.views import seconds_histogram_views
from huleedu_otel.quart import QuartInstrumentor
from huleedu_otel.testing import TelemetryCapture
from tests._services import free_port, wait_for_port
from tests.instrumentation.quart import _client
from tests.instrumentation.quart.example import create_app

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


async def eventually(check: Callable[[], bool]) -> None:
    """The span ends after the last byte went out, so the client can be a moment ahead."""
    for _ in range(1_000):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition still false after 10 s")


class Scrape:
    """A Prometheus registry fed by its own reader, as the /metrics endpoint is."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        reader = PrometheusMetricReader(registry=self.registry)
        self.meter_provider = MeterProvider(
            metric_readers=[reader], views=seconds_histogram_views()
        )

    def samples(self, name: str) -> list[dict[str, str]]:
        text = generate_latest(self.registry).decode()
        return [
            {**sample.labels, "__value__": str(sample.value)}
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name
        ]


@pytest.fixture
def scrape() -> Scrape:
    return Scrape()


@pytest.fixture
async def server(otel: TelemetryCapture, scrape: Scrape) -> AsyncIterator[int]:
    """The example app under hypercorn, instrumented with the Prometheus meter provider."""
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    app: Quart = create_app()
    QuartInstrumentor.instrument_app(app, meter_provider=scrape.meter_provider)
    port = free_port()
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, config, shutdown_trigger=stop.wait))  # type: ignore[arg-type]
    await asyncio.to_thread(wait_for_port, port)
    yield port
    stop.set()
    await task
    scrape.meter_provider.shutdown()


async def test_real_server_traces_route_named_spans_and_echoes_correlation_id(
    server: int, otel: TelemetryCapture
) -> None:
    """Over TCP: the caller's trace continues, the span is route-named, the id comes back."""
    response = await asyncio.to_thread(
        _client.get,
        server,
        "/essays/7?token=abc",
        {"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01", "X-Correlation-ID": "cid-42"},
    )

    assert response.status == 200
    assert response.getheader("x-correlation-id") == "cid-42"
    await eventually(lambda: len(otel.spans()) == 1)
    span = otel.span("GET /essays/<essay_id>")
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert {
        "http.route": "/essays/<essay_id>",
        "url.path": "/essays/7",
        "url.query": "token=[REDACTED]",
        "client.address": "127.0.0.1",
        "http.response.status_code": 200,
        "huleedu.correlation_id": "cid-42",
    }.items() <= dict(span.attributes or {}).items()


async def test_prometheus_scrape_shows_semconv_names_and_bounded_labels(
    server: int, scrape: Scrape
) -> None:
    """The histogram appears as http_server_request_duration_seconds with route labels only."""
    statuses = await asyncio.to_thread(
        _client.get_many, server, ["/essays/1", "/essays/2", "/boom", "/healthz"]
    )

    assert statuses == [200, 200, 500, 200]
    await eventually(lambda: len(scrape.samples("http_server_request_duration_seconds_count")) == 2)
    counts = scrape.samples("http_server_request_duration_seconds_count")
    by_route = {c["http_route"]: (c["http_response_status_code"], c["__value__"]) for c in counts}
    assert by_route == {"/essays/<essay_id>": ("200", "2.0"), "/boom": ("500", "1.0")}
    assert {c["error_type"] for c in counts} == {"", "ValueError"}  # "": label absent
    buckets = {s["le"] for s in scrape.samples("http_server_request_duration_seconds_bucket")}
    assert {"0.005", "0.1", "10.0", "+Inf"} <= buckets
    (active,) = scrape.samples("http_server_active_requests")
    assert (active["http_request_method"], active["__value__"]) == ("GET", "0.0")


async def test_three_thousand_unmatched_paths_scrape_as_one_series(
    server: int, scrape: Scrape
) -> None:
    """A path scan over the wire: every 404 lands in the same (GET, http, 404) series."""
    paths = [f"/random/{n}/x.php" for n in range(3_000)]

    statuses = await asyncio.to_thread(_client.get_many, server, paths)

    assert set(statuses) == {404}
    await eventually(
        lambda: "3000.0" in str(scrape.samples("http_server_request_duration_seconds_count"))
    )
    counts = scrape.samples("http_server_request_duration_seconds_count")
    assert [(c.get("http_route"), c["__value__"]) for c in counts] == [(None, "3000.0")]


async def test_websocket_over_the_wire_is_one_span(server: int, otel: TelemetryCapture) -> None:
    """A real websocket connection gives one span, status 101, named by its rule."""
    received = await asyncio.to_thread(_client.websocket_roundtrip, server, "/ws/lobby", "hi")

    assert received == ["lobby: hi"]
    await eventually(lambda: len(otel.spans()) == 1)
    span = otel.span("GET /ws/<room>")
    assert span.attributes["http.response.status_code"] == 101  # type: ignore[index]
