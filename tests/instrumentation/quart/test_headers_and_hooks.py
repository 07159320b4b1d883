"""Header capture only when configured, credentials never; user hooks cannot break requests."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from opentelemetry.trace import Span

from huleedu_otel.quart import QuartInstrumentor
from huleedu_otel.testing import TelemetryCapture
from tests.instrumentation.quart.example import create_app

REQUEST_VAR = "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST"
RESPONSE_VAR = "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE"
SECRET_HEADERS = {"Authorization": "Bearer s3cret", "Cookie": "session=s3cret"}


async def test_no_header_is_captured_unless_configured(otel: TelemetryCapture) -> None:
    """By default no http.*.header.* attribute exists at all."""
    app = create_app()
    QuartInstrumentor.instrument_app(app)

    await app.test_client().get("/essays/1", headers={"X-Tenant": "t1", **SECRET_HEADERS})

    names = otel.span("GET /essays/<essay_id>").attributes or {}
    assert [n for n in names if ".header." in n] == []


async def test_configured_headers_are_captured_and_credentials_never(
    monkeypatch: pytest.MonkeyPatch, otel: TelemetryCapture
) -> None:
    """Even ``.*`` does not capture Authorization, Cookie or Set-Cookie."""
    monkeypatch.setenv(REQUEST_VAR, ".*")
    monkeypatch.setenv(RESPONSE_VAR, "content-type,set-cookie")
    app = create_app()

    @app.after_request
    async def add_cookie(response: Any) -> Any:
        response.set_cookie("session", "s3cret")
        return response

    QuartInstrumentor.instrument_app(app)
    await app.test_client().get("/essays/1", headers={"X-Tenant": "t1", **SECRET_HEADERS})

    attributes = dict(otel.span("GET /essays/<essay_id>").attributes or {})
    assert attributes["http.request.header.x-tenant"] == ("t1",)
    assert attributes["http.response.header.content-type"] == ("application/json",)
    captured = [n for n in attributes if ".header." in n]
    assert not any(n.endswith(("authorization", "cookie")) for n in captured)
    assert "s3cret" not in repr(attributes)


async def test_sanitised_headers_are_captured_as_redacted(
    monkeypatch: pytest.MonkeyPatch, otel: TelemetryCapture
) -> None:
    """SANITIZE_FIELDS keeps the header's presence, not its value."""
    monkeypatch.setenv(REQUEST_VAR, "x-api-token")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS", "x-api-.*")
    app = create_app()
    QuartInstrumentor.instrument_app(app)

    await app.test_client().get("/essays/1", headers={"X-Api-Token": "abc"})

    span = otel.span("GET /essays/<essay_id>")
    assert span.attributes["http.request.header.x-api-token"] == ("[REDACTED]",)  # type: ignore[index]


async def test_hooks_see_the_span_scope_and_response_message(otel: TelemetryCapture) -> None:
    """server_request_hook(span, scope) and server_response_hook(span, message) run once each."""
    calls: list[str] = []

    def on_request(span: Span, scope: dict[str, Any]) -> None:
        calls.append(f"request {scope['path']}")
        span.set_attribute("tenant", "t1")

    def on_response(span: Span, message: dict[str, Any]) -> None:
        calls.append(f"response {message['status']}")

    app = create_app()
    QuartInstrumentor.instrument_app(
        app, server_request_hook=on_request, server_response_hook=on_response
    )
    await app.test_client().get("/essays/1")

    assert calls == ["request /essays/1", "response 200"]
    assert otel.span("GET /essays/<essay_id>").attributes["tenant"] == "t1"  # type: ignore[index]


async def test_failing_hooks_are_logged_once_and_the_request_succeeds(
    otel: TelemetryCapture, caplog: pytest.LogCaptureFixture
) -> None:
    """A raising hook never reaches the request; its first failure is logged, not every one."""

    def broken(span: Span, _: Any) -> None:
        raise RuntimeError("hook bug")

    app = create_app()
    QuartInstrumentor.instrument_app(app, server_request_hook=broken, server_response_hook=broken)
    client = app.test_client()

    with caplog.at_level(logging.ERROR, logger="huleedu_otel.quart"):
        statuses = [(await client.get("/essays/1")).status_code for _ in range(3)]

    assert statuses == [200, 200, 200]
    assert len(otel.spans()) == 3
    logged = sorted(r.getMessage().split(" in ")[1].split(";")[0] for r in caplog.records)
    assert logged == ["server_request_hook", "server_response_hook"]
