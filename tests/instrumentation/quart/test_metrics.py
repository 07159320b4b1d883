"""http.server.request.duration and http.server.active_requests: bounded attribute sets."""

from __future__ import annotations

from quart.typing import TestClientProtocol as Client

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs._shared.buckets import HTTP_SECONDS


async def test_duration_is_recorded_with_the_contract_attributes_and_http_buckets(
    client: Client, otel: TelemetryCapture
) -> None:
    """One recording per request, attributes method/scheme/route/status, semconv buckets."""
    await client.get("/essays/1")
    await client.get("/essays/2")
    await client.post("/essays")

    (get,) = otel.metrics.points("http.server.request.duration", **{"http.request.method": "GET"})
    assert get.attributes == {
        "http.request.method": "GET",
        "url.scheme": "http",
        "http.route": "/essays/<essay_id>",
        "http.response.status_code": 200,
    }
    assert (get.count, get.unit) == (2, "s")
    assert list(HTTP_SECONDS) == get.explicit_bounds
    (post,) = otel.metrics.points("http.server.request.duration", **{"http.request.method": "POST"})
    assert post.attributes["http.response.status_code"] == 201


async def test_error_type_is_a_metric_attribute_on_failures(
    client: Client, otel: TelemetryCapture
) -> None:
    """A handler exception gives error.type = the class name; a 503 gives "503"."""
    await client.get("/boom")
    await client.get("/unavailable")

    error_types = {
        p.attributes.get("error.type") for p in otel.metrics.points("http.server.request.duration")
    }
    assert {"ValueError", "503"} == error_types


async def test_active_requests_rise_during_a_request_and_return_to_zero(
    client: Client, otel: TelemetryCapture
) -> None:
    """While the handler runs the gauge reads 1 for (GET, http); afterwards 0."""
    app = client.app
    get = {"http.request.method": "GET", "url.scheme": "http"}
    during: list[float] = []

    @app.route("/slow")
    async def slow() -> str:
        during.append(otel.metrics.value("http.server.active_requests", **get))
        return "ok"

    await client.get("/slow")

    assert during == [1]
    (point,) = otel.metrics.points("http.server.active_requests", **get)
    assert (get, 0) == (point.attributes, point.value)


async def test_three_thousand_distinct_unmatched_paths_give_one_series(
    client: Client, otel: TelemetryCapture
) -> None:
    """Scanners hitting random URLs must not create a series per path: one (GET, 404) set."""
    for n in range(3_000):
        await client.get(f"/scan/{n}/wp-admin.php")

    points = otel.metrics.points("http.server.request.duration")
    assert [p.attributes for p in points] == [
        {"http.request.method": "GET", "url.scheme": "http", "http.response.status_code": 404}
    ]
    assert points[0].count == 3_000
    assert {"GET"} == {span.name for span in otel.spans()}


async def test_unknown_methods_share_one_other_series(
    client: Client, otel: TelemetryCapture
) -> None:
    """Arbitrary method names collapse into ``_OTHER``."""
    for method in ("BREW", "PROPFIND", "XYZZY"):
        await client.open("/essays/1", method=method)

    methods = {
        p.attributes["http.request.method"]
        for p in otel.metrics.points("http.server.request.duration")
    }
    assert {"_OTHER"} == methods
