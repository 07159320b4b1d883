"""``error_handling.fastapi`` on a real FastAPI app, driven over ASGI, under the in-memory SDK."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest
import structlog
from fastapi import FastAPI, HTTPException, Request
from fastapi.telemetry import TelemetryConfig
from opentelemetry.trace import StatusCode, format_trace_id
from pydantic import BaseModel

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.error_handling import raise_resource_not_found, raise_timeout_error
from huleedu_service_libs.error_handling.correlation import extract_correlation_context_from_request
from huleedu_service_libs.error_handling.fastapi import register_error_handlers
from tests.error_handling._apps import SECRET, EssayErrorCode

#: FastAPI traces requests itself; its own HTTP metrics stay off here, because their names are
#: the Quart instrumentor's and the session's one meter provider would mix the two.
TELEMETRY: TelemetryConfig = {"metrics": False}
BODY_KEYS = {"code", "message", "correlation_id", "service", "operation", "timestamp", "details"}


class Login(BaseModel):
    user: str
    password: str
    age: int


def create_app() -> FastAPI:
    app = FastAPI(title="essay_api", telemetry=TELEMETRY)
    register_error_handlers(app, status_codes={EssayErrorCode.ESSAY_LOCKED: 423})

    @app.get("/essays/{essay_id}")
    async def get_essay(essay_id: str) -> dict[str, str]:
        raise_resource_not_found(
            service="essay_api", operation="get_essay", resource_type="essay", resource_id=essay_id
        )

    @app.get("/slow")
    async def slow() -> dict[str, str]:
        raise_timeout_error(service="essay_api", operation="slow", timeout_seconds=2)

    @app.get("/teapot")
    async def teapot() -> dict[str, str]:
        raise HTTPException(status_code=409, detail="already there")

    @app.post("/login")
    async def login(body: Login) -> dict[str, str]:
        return {"user": body.user}

    @app.get("/boom")
    async def boom() -> dict[str, str]:
        raise RuntimeError(f"cannot reach postgresql://app:{SECRET}@db/essays with token={SECRET}")

    return app


async def call(
    app: Any, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> tuple[int, dict[str, str], dict[str, Any]]:
    """One request through the ASGI interface, as a server would make it."""
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
    }
    messages: list[dict[str, Any]] = []
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    response_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], response_headers, json.loads(content) if content else {}


def _server_span(otel: TelemetryCapture) -> Any:
    """FastAPI's own SERVER span (FastAPI traces requests itself)."""
    (span,) = [s for s in otel.spans() if s.kind.name == "SERVER"]
    return span


@pytest.fixture
def app(otel: TelemetryCapture) -> FastAPI:
    return create_app()


async def test_not_found_answers_404_with_the_shape_and_the_callers_correlation_id(
    app: FastAPI, otel: TelemetryCapture
) -> None:
    correlation_id = str(uuid.uuid4())
    status, _, body = await call(app, "GET", "/essays/e-4", {"X-Correlation-ID": correlation_id})
    error = body["error"]
    assert status == 404
    assert set(error) == BODY_KEYS | {"trace_id"}
    assert (error["code"], error["correlation_id"], error["operation"]) == (
        "RESOURCE_NOT_FOUND",
        correlation_id,
        "get_essay",
    )
    finished = _server_span(otel)
    assert error["trace_id"] == format_trace_id(finished.context.trace_id)
    assert finished.attributes["huleedu.error.code"] == "RESOURCE_NOT_FOUND"
    assert finished.status.status_code is StatusCode.UNSET
    assert otel.metrics.value("huleedu.errors", **{"http.response.status_code": 404}) == 1


async def test_a_5xx_code_marks_the_span_as_an_error(app: FastAPI, otel: TelemetryCapture) -> None:
    """FastAPI owns its SERVER span and ends it with ``error.type`` = the status it saw."""
    status, _, body = await call(app, "GET", "/slow")
    assert (status, body["error"]["code"]) == (504, "TIMEOUT")
    span = _server_span(otel)
    assert (span.attributes["huleedu.error.code"], span.status.status_code) == (
        "TIMEOUT",
        StatusCode.ERROR,
    )
    assert span.attributes["error.type"] == "504"  # FastAPI ends its span last
    assert [e.name for e in span.events] == ["exception"]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/nowhere", 404, "RESOURCE_NOT_FOUND"),
        ("DELETE", "/essays/e1", 405, "INVALID_REQUEST"),
        ("GET", "/teapot", 409, "INVALID_REQUEST"),
    ],
)
async def test_http_exceptions_keep_their_status(
    app: FastAPI, method: str, path: str, status: int, code: str
) -> None:
    answered, headers, body = await call(app, method, path)
    assert (answered, body["error"]["code"]) == (status, code)
    if status == 405:
        assert "GET" in headers["allow"]


async def test_a_validation_error_is_400_without_the_input_values(app: FastAPI) -> None:
    payload = json.dumps({"user": "ann", "password": SECRET, "age": "old"}).encode()
    status, _, body = await call(
        app, "POST", "/login", {"content-type": "application/json"}, payload
    )
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert body["error"]["details"]["errors"][0]["loc"] == ["body", "age"]
    assert SECRET not in json.dumps(body)


async def test_an_unexpected_exception_is_a_generic_500_and_its_secret_stays_out(
    app: FastAPI, otel: TelemetryCapture, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with structlog.testing.capture_logs() as logged:
        status, _, body = await call(app, "GET", "/boom", {"X-Correlation-ID": "cid-f1"})

    assert status == 500
    assert (body["error"]["code"], body["error"]["correlation_id"]) == ("UNKNOWN_ERROR", "cid-f1")
    assert body["error"]["message"] == "An unexpected error occurred"
    assert SECRET not in json.dumps(body)
    assert [line["exception_type"] for line in logged] == ["RuntimeError"]
    assert SECRET not in json.dumps(logged, default=str) + caplog.text
    span = _server_span(otel)
    assert all(SECRET not in s.to_json() for s in otel.spans())
    assert span.attributes["huleedu.error.code"] == "UNKNOWN_ERROR"
    assert span.status.status_code is StatusCode.ERROR


async def test_a_services_own_code_uses_its_registered_status(otel: TelemetryCapture) -> None:
    from huleedu_service_libs.error_handling import raise_error

    app = FastAPI(title="locks", telemetry=TELEMETRY)
    register_error_handlers(app, status_codes={EssayErrorCode.ESSAY_LOCKED: 423})

    @app.get("/lock")
    async def lock() -> None:
        raise_error(EssayErrorCode.ESSAY_LOCKED, "locked", service="locks", operation="lock")

    status, _, body = await call(app, "GET", "/lock")
    assert (status, body["error"]["code"], body["error"]["service"]) == (
        423,
        "ESSAY_LOCKED",
        "locks",
    )


async def test_create_error_response_in_a_route_uses_the_registered_status() -> None:
    """A route that answers a detail itself gets the status its service registered."""
    from huleedu_service_libs.error_handling import create_error_detail_with_context
    from huleedu_service_libs.error_handling.fastapi import create_error_response

    app = FastAPI(title="locks", telemetry=TELEMETRY)
    register_error_handlers(app, status_codes={EssayErrorCode.ESSAY_LOCKED: 423})

    @app.get("/lock")
    async def lock() -> Any:
        detail = create_error_detail_with_context(
            EssayErrorCode.ESSAY_LOCKED, "locked", "locks", "lock", capture_stack=False
        )
        return create_error_response(detail)

    status, _, body = await call(app, "GET", "/lock")
    assert (status, body["error"]["code"]) == (423, "ESSAY_LOCKED")


async def test_correlation_context_from_a_fastapi_request() -> None:
    seen: dict[str, Any] = {}
    app = FastAPI(telemetry=TELEMETRY)

    @app.get("/ctx")
    async def ctx(request: Request) -> dict[str, str]:
        found = extract_correlation_context_from_request(request)
        seen.update(original=found.original, source=found.source, uuid=found.uuid)
        return {}

    await call(app, "GET", "/ctx?correlation_id=q-fast")
    assert (seen["original"], seen["source"]) == ("q-fast", "query")
    assert seen["uuid"] == uuid.uuid5(uuid.NAMESPACE_OID, "q-fast")
    await call(app, "GET", "/ctx", {"X-Correlation-ID": "h-fast"})
    assert (seen["original"], seen["source"]) == ("h-fast", "header")
