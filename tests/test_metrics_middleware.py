"""The seed's setup_standard_service_metrics_middleware: its example runs, metrics are semconv."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from quart import Quart

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.metrics_middleware import (
    setup_content_service_metrics_middleware,
    setup_file_service_metrics_middleware,
    setup_metrics_middleware,
    setup_standard_service_metrics_middleware,
)
from tests.conftest import QuartApps


def _create_metrics() -> dict[str, object]:
    """The service's own metrics holder from the seed's example (a plain dict here)."""
    return {}


def create_app() -> Quart:
    """The seed's example, as written."""
    app = Quart(__name__)

    # Setup metrics
    metrics = _create_metrics()
    app.extensions["metrics"] = metrics

    # Apply middleware
    setup_standard_service_metrics_middleware(app, "content_service")

    @app.route("/content/<content_id>")
    async def content(content_id: str) -> str:
        return content_id

    return app


@pytest.fixture
def app(quart_apps: QuartApps) -> Quart:
    """The seed's example app; its instrumentation is undone after the test."""
    return quart_apps.restored_after(create_app())


async def test_seed_example_records_the_semconv_request_histogram(
    app: Quart, otel: TelemetryCapture
) -> None:
    """request_count/request_duration became http.server.request.duration, labelled by route."""
    client = app.test_client()

    for content_id in ("a", "b", "c"):
        await client.get(f"/content/{content_id}")

    (point,) = otel.metrics.points("http.server.request.duration")
    assert point.attributes == {
        "http.request.method": "GET",
        "url.scheme": "http",
        "http.route": "/content/<content_id>",
        "http.response.status_code": 200,
    }
    assert point.count == 3
    assert len(otel.spans("GET /content/<content_id>")) == 3


async def test_calling_it_twice_records_each_request_once(
    app: Quart, otel: TelemetryCapture
) -> None:
    """A second call does not instrument the app again."""
    setup_standard_service_metrics_middleware(app, "content_service")

    await app.test_client().get("/content/a")

    assert otel.metrics.count("http.server.request.duration") == 1


@pytest.mark.parametrize(
    "setup",
    [
        lambda app: setup_metrics_middleware(
            app,
            request_count_metric_name="content_requests_total",
            request_duration_metric_name="content_request_duration",
            status_label_name="status",
            logger_name="content.metrics",
        ),
        setup_content_service_metrics_middleware,
        setup_file_service_metrics_middleware,
    ],
    ids=["configurable", "content", "file"],
)
async def test_the_platforms_variants_switch_on_the_same_instrumentation(
    otel: TelemetryCapture, setup: Callable[[Quart], None], quart_apps: QuartApps
) -> None:
    """Their metric names are superseded: requests land in the semconv histogram by route."""
    app = quart_apps.restored_after(Quart(__name__))
    setup(app)

    @app.route("/files/<file_id>")
    async def files(file_id: str) -> str:
        return file_id

    await app.test_client().get("/files/f1")
    (point,) = otel.metrics.points("http.server.request.duration")
    assert (point.attributes["http.route"], point.count) == ("/files/<file_id>", 1)
