"""``register_error_handlers`` on a real, instrumented Quart app under the in-memory SDK."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest
import structlog
from opentelemetry.trace import StatusCode, format_trace_id
from quart import Quart
from quart.typing import TestClientProtocol as Client

from huleedu_otel.testing import TelemetryCapture
from tests.conftest import QuartApps
from tests.error_handling._apps import SECRET, create_app

BODY_KEYS = {
    "code",
    "message",
    "correlation_id",
    "service",
    "operation",
    "timestamp",
    "details",
    "trace_id",
}


@pytest.fixture
def app(otel: TelemetryCapture, quart_apps: QuartApps) -> Quart:
    return quart_apps.instrumented(create_app())


@pytest.fixture
def client(app: Quart) -> Client:
    return app.test_client()


def _server_span(otel: TelemetryCapture) -> Any:
    (span,) = [s for s in otel.spans() if s.kind.name == "SERVER"]
    return span


async def test_not_found_answers_404_with_the_platform_shape_tied_to_the_trace(
    client: Client, otel: TelemetryCapture
) -> None:
    correlation_id = str(uuid.uuid4())
    response = await client.get("/essays/e-17", headers={"X-Correlation-ID": correlation_id})

    assert response.status_code == 404
    error = (await response.get_json())["error"]
    assert set(error) == BODY_KEYS
    assert error["code"] == "RESOURCE_NOT_FOUND"
    assert error["message"] == "essay with ID 'e-17' not found"
    assert error["correlation_id"] == correlation_id
    assert (error["service"], error["operation"]) == ("essay_service", "get_essay")
    assert error["details"] == {"resource_type": "essay", "resource_id": "e-17"}
    span = _server_span(otel)
    assert error["trace_id"] == format_trace_id(span.context.trace_id)
    assert span.name == "GET /essays/<essay_id>"


async def test_a_4xx_marks_the_code_but_leaves_the_span_status_unset(
    client: Client, otel: TelemetryCapture
) -> None:
    response = await client.post("/essays")

    assert response.status_code == 400
    span = _server_span(otel)
    assert span.attributes["huleedu.error.code"] == "VALIDATION_ERROR"
    assert "error.type" not in span.attributes
    assert span.status.status_code is StatusCode.UNSET
    assert [e.name for e in span.events] == ["exception"]


async def test_a_5xx_sets_error_type_to_the_code_and_the_span_status_error(
    client: Client, otel: TelemetryCapture
) -> None:
    response = await client.get("/unavailable")

    assert response.status_code == 503
    assert (await response.get_json())["error"]["code"] == "SERVICE_UNAVAILABLE"
    span = _server_span(otel)
    assert span.attributes["huleedu.error.code"] == "SERVICE_UNAVAILABLE"
    assert span.attributes["error.type"] == "SERVICE_UNAVAILABLE"
    assert span.status.status_code is StatusCode.ERROR
    assert [e.name for e in span.events] == ["exception"]
    duration = otel.metrics.points("http.server.request.duration")
    assert [p.attributes.get("error.type") for p in duration] == ["SERVICE_UNAVAILABLE"]


async def test_each_answer_is_counted_by_code_operation_and_status(
    client: Client, otel: TelemetryCapture
) -> None:
    await client.get("/essays/a")
    await client.get("/essays/b")
    await client.get("/unavailable")

    attributes = {"huleedu.error.operation": "get_essay", "http.response.status_code": 404}
    assert otel.metrics.value("huleedu.errors", **{"huleedu.error.code": "RESOURCE_NOT_FOUND"}) == 2
    assert otel.metrics.points("huleedu.errors", **attributes)[0].unit == "{error}"
    assert (
        otel.metrics.value("huleedu.errors", **{"huleedu.error.code": "SERVICE_UNAVAILABLE"}) == 1
    )


async def test_a_services_own_code_answers_with_the_status_it_registered(client: Client) -> None:
    response = await client.get("/locked")

    assert response.status_code == 423
    assert (await response.get_json())["error"]["code"] == "ESSAY_LOCKED"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/no/such/route", 404, "RESOURCE_NOT_FOUND"),
        ("DELETE", "/essays/e1", 405, "INVALID_REQUEST"),
        ("GET", "/conflict", 409, "INVALID_REQUEST"),
    ],
)
async def test_framework_http_exceptions_keep_their_status_in_the_same_shape(
    client: Client, otel: TelemetryCapture, method: str, path: str, status: int, code: str
) -> None:
    correlation_id = str(uuid.uuid4())
    headers = {"X-Correlation-ID": correlation_id}
    response = await client.open(path, method=method, headers=headers)  # type: ignore[call-arg]

    assert response.status_code == status
    error = (await response.get_json())["error"]
    assert (set(error), error["code"], error["correlation_id"]) == (BODY_KEYS, code, correlation_id)
    assert _server_span(otel).status.status_code is StatusCode.UNSET
    if status == 405:
        assert "GET" in response.headers["Allow"]


async def test_an_unexpected_exception_is_a_generic_500_with_the_requests_ids(
    client: Client, otel: TelemetryCapture
) -> None:
    response = await client.get("/boom", headers={"X-Correlation-ID": "req-77.a"})

    assert response.status_code == 500
    error = (await response.get_json())["error"]
    assert error["code"] == "UNKNOWN_ERROR"
    assert error["message"] == "An unexpected error occurred"
    assert error["correlation_id"] == "req-77.a"
    assert response.headers["X-Correlation-ID"] == "req-77.a"
    span = _server_span(otel)
    assert error["trace_id"] == format_trace_id(span.context.trace_id)
    assert (span.attributes["error.type"], span.status.status_code) == (
        "UNKNOWN_ERROR",
        StatusCode.ERROR,
    )
    (event,) = span.events
    assert event.attributes["exception.type"] == "RuntimeError"


@pytest.mark.parametrize("path", ["/boom", "/db-boom"])
async def test_a_planted_secret_reaches_no_response_log_line_or_span(
    client: Client, otel: TelemetryCapture, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    caplog.set_level(logging.DEBUG)
    with structlog.testing.capture_logs() as logged:
        response = await client.get(path)

    assert response.status_code == 500
    assert SECRET not in (await response.get_data(as_text=True))
    assert len(logged) == 1
    assert logged[0]["log_level"] == "error"
    assert logged[0]["exception_type"] in {"RuntimeError", "FakeDatabaseError"}
    assert SECRET not in json.dumps(logged, default=str)
    assert SECRET not in caplog.text
    assert SECRET not in json.dumps([r.to_json() for r in otel.logs()])
    for span in otel.spans():
        assert SECRET not in span.to_json()


async def test_the_log_line_carries_the_error_and_the_trace_ids(
    client: Client, otel: TelemetryCapture
) -> None:
    with structlog.testing.capture_logs() as logged:
        await client.get("/essays/e-1")

    (line,) = logged
    assert (line["log_level"], line["error_code"], line["status_code"]) == (
        "warning",
        "RESOURCE_NOT_FOUND",
        404,
    )
    assert line["error_trace_id"] == format_trace_id(_server_span(otel).context.trace_id)


async def test_without_the_instrumentor_the_answer_is_the_same_and_untraced(
    otel: TelemetryCapture,
) -> None:
    response = await create_app().test_client().get("/essays/e-2")

    assert response.status_code == 404
    error = (await response.get_json())["error"]
    assert (error["code"], error["trace_id"]) == ("RESOURCE_NOT_FOUND", None)
    assert str(uuid.UUID(error["correlation_id"])) == error["correlation_id"]


async def test_create_error_response_answers_a_detail_a_route_handled_itself(
    client: Client, otel: TelemetryCapture
) -> None:
    queued = await client.get("/queued")
    by_hand = await client.get("/answered-by-hand")

    assert (queued.status_code, (await queued.get_json())["error"]["code"]) == (
        202,
        "REQUEST_QUEUED",
    )
    assert (by_hand.status_code, (await by_hand.get_json())["error"]["message"]) == (
        422,
        "checked by hand",
    )
    assert otel.metrics.value("huleedu.errors", **{"http.response.status_code": 422}) == 1


async def test_the_exception_event_carries_a_traceback_only_for_a_5xx(
    client: Client, otel: TelemetryCapture
) -> None:
    await client.get("/essays/e-5")
    await client.get("/unavailable")

    not_found, unavailable = (s for s in otel.spans() if s.kind.name == "SERVER")
    (event_404,), (event_503,) = not_found.events, unavailable.events
    found, failed = dict(event_404.attributes or {}), dict(event_503.attributes or {})
    assert (found["exception.type"], found["exception.message"]) == (
        "HuleEduError",
        "essay with ID 'e-5' not found",
    )
    assert "exception.stacktrace" not in found
    assert "Traceback (most recent call last)" in str(failed["exception.stacktrace"])
