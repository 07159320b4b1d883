"""The seed's setup_tracing_middleware: one span per request, however many switches are on."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from quart import Quart

from huleedu_otel.quart import QuartInstrumentor
from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.metrics_middleware import setup_standard_service_metrics_middleware
from huleedu_service_libs.middleware.frameworks.quart_middleware import setup_tracing_middleware
from tests.conftest import QuartApps

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _app() -> Quart:
    app = Quart(__name__)

    @app.route("/content/<content_id>")
    async def content(content_id: str) -> str:
        return content_id

    return app


@pytest.fixture
def app(quart_apps: QuartApps) -> Quart:
    """A plain app; whatever the middlewares instrumented on it is undone after the test."""
    return quart_apps.restored_after(_app())


async def test_seed_example_traces_requests_with_w3c_context_and_correlation_id(
    app: Quart, otel: TelemetryCapture
) -> None:
    """As in the seed's app.py: spans continue the caller's trace; the id is echoed."""
    tracer = trace.get_tracer("content_service")
    setup_tracing_middleware(app, tracer)

    response = await app.test_client().get(
        "/content/x", headers={"traceparent": TRACEPARENT, "X-Correlation-ID": "cid-7"}
    )

    span = otel.span("GET /content/<content_id>")
    assert format(span.context.trace_id, "032x") == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert response.headers["X-Correlation-ID"] == "cid-7"


async def test_both_seed_middlewares_give_one_span_per_request(
    app: Quart, otel: TelemetryCapture
) -> None:
    """The seed's startup pattern calls both: still one span and one measurement."""
    setup_standard_service_metrics_middleware(app, "content_service")
    setup_tracing_middleware(app, trace.get_tracer("content_service"))

    await app.test_client().get("/content/x")

    assert [s.name for s in otel.spans()] == ["GET /content/<content_id>"]
    assert otel.metrics.count("http.server.request.duration") == 1


async def test_middleware_on_an_auto_instrumented_app_adds_nothing(
    otel: TelemetryCapture,
) -> None:
    """Under opentelemetry-instrument (instrument()) the middlewares are no-ops."""
    instrumentor = QuartInstrumentor()
    instrumentor.instrument()
    try:
        app = _app()
        setup_tracing_middleware(app, trace.get_tracer("content_service"))
        setup_standard_service_metrics_middleware(app, "content_service")
        await app.test_client().get("/content/x")
    finally:
        instrumentor.uninstrument()

    assert [s.name for s in otel.spans()] == ["GET /content/<content_id>"]
