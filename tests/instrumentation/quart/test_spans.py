"""One SERVER span per request, named by the matched rule, with the contract's attributes."""

from __future__ import annotations

import pytest
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.trace import SpanKind, StatusCode
from quart import Quart, websocket
from quart.testing.connections import WebsocketDisconnectError
from quart.typing import TestClientProtocol as Client

from huleedu_otel.quart import QuartInstrumentor
from huleedu_otel.testing import TelemetryCapture
from tests.instrumentation.quart.example import create_app

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"


async def test_matched_request_makes_one_server_span_named_by_the_rule(
    client: Client, otel: TelemetryCapture
) -> None:
    """GET /essays/42 → one span ``GET /essays/<essay_id>`` with the contract's attributes."""
    response = await client.get(
        "/essays/42",
        headers={"User-Agent": "essay-client/1.0"},
        scheme="https",
        scope_base={"client": ("10.0.0.7", 51234)},
    )

    assert response.status_code == 200
    (span,) = otel.spans()
    assert (span.name, span.kind) == ("GET /essays/<essay_id>", SpanKind.SERVER)
    attributes = dict(span.attributes or {})
    assert {
        "http.request.method": "GET",
        "url.path": "/essays/42",
        "url.scheme": "https",
        "http.route": "/essays/<essay_id>",
        "http.response.status_code": 200,
        "user_agent.original": "essay-client/1.0",
        "client.address": "10.0.0.7",
    }.items() <= attributes.items()
    assert "error.type" not in attributes
    assert span.status.status_code is StatusCode.UNSET


async def test_unmatched_request_is_named_by_method_alone_without_route(
    client: Client, otel: TelemetryCapture
) -> None:
    """A 404 has no rule: the span is ``GET``, has no http.route, and is not an error."""
    response = await client.get("/no/such/page")

    assert response.status_code == 404
    span = otel.span("GET")
    assert "http.route" not in (span.attributes or {})
    assert span.attributes["http.response.status_code"] == 404  # type: ignore[index]
    assert span.status.status_code is StatusCode.UNSET


async def test_unknown_method_becomes_other_and_keeps_the_original(
    client: Client, otel: TelemetryCapture
) -> None:
    """A made-up method is ``_OTHER`` (span name ``HTTP``), the original kept aside."""
    await client.open("/essays/1", method="BREW")

    span = otel.span("HTTP")
    assert span.attributes["http.request.method"] == "_OTHER"  # type: ignore[index]
    assert span.attributes["http.request.method_original"] == "BREW"  # type: ignore[index]


async def test_valid_traceparent_makes_the_span_a_child_of_the_caller(
    client: Client, otel: TelemetryCapture
) -> None:
    """W3C context is extracted: same trace id, the caller's span as parent, visible inside."""
    response = await client.get("/context", headers={"traceparent": TRACEPARENT})

    span = otel.span("GET /context")
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert span.parent is not None
    assert format(span.parent.span_id, "016x") == "b7ad6b7169203331"
    assert (await response.get_json())["trace_id"] == TRACE_ID


@pytest.mark.parametrize(
    "traceparent",
    ["garbage", "00-zzzz-b7ad6b7169203331-01", f"00-{TRACE_ID}-0000000000000000-01", ""],
)
async def test_malformed_traceparent_is_ignored_and_starts_a_new_trace(
    client: Client, otel: TelemetryCapture, traceparent: str
) -> None:
    """A broken header never fails the request: a new root span, status 200."""
    response = await client.get(
        "/essays/1", headers={"traceparent": traceparent, "baggage": "%%%;;==,"}
    )

    assert response.status_code == 200
    span = otel.span("GET /essays/<essay_id>")
    assert span.parent is None
    assert format(span.context.trace_id, "032x") != TRACE_ID


async def test_unhandled_exception_is_recorded_with_error_type_and_500(
    client: Client, otel: TelemetryCapture
) -> None:
    """The handler raised: exception event, error.type = class name, ERROR status, 500."""
    response = await client.get("/boom")

    assert response.status_code == 500
    span = otel.span("GET /boom")
    assert span.attributes["error.type"] == "ValueError"  # type: ignore[index]
    assert span.attributes["http.response.status_code"] == 500  # type: ignore[index]
    assert span.status.status_code is StatusCode.ERROR
    assert [event.name for event in span.events] == ["exception"]


async def test_exception_propagated_in_testing_mode_is_recorded_once(
    app: Quart, otel: TelemetryCapture
) -> None:
    """With PROPAGATE_EXCEPTIONS the error crosses our wrapper too: still one exception event."""
    app.config["PROPAGATE_EXCEPTIONS"] = True

    with pytest.raises(ValueError, match="the handler failed"):
        await app.test_client().get("/boom")

    span = otel.span("GET /boom")
    assert [event.name for event in span.events] == ["exception"]
    assert span.attributes["error.type"] == "ValueError"  # type: ignore[index]


async def test_5xx_without_exception_sets_error_type_to_the_status(
    client: Client, otel: TelemetryCapture
) -> None:
    """abort(503): error.type "503" and ERROR status; 4xx stays unset (client's fault)."""
    await client.get("/unavailable")

    span = otel.span("GET /unavailable")
    assert span.attributes["error.type"] == "503"  # type: ignore[index]
    assert span.status.status_code is StatusCode.ERROR


async def test_query_string_is_recorded_with_secret_values_redacted(
    client: Client, otel: TelemetryCapture
) -> None:
    """url.query keeps ordinary parameters and replaces credential-like values."""
    await client.get(
        "/essays/1",
        query_string={"page": "2", "access_token": "t0k3n", "password": "hunter2", "api_key": "k"},
    )

    query = otel.span("GET /essays/<essay_id>").attributes["url.query"]  # type: ignore[index]
    assert query == "page=2&access_token=[REDACTED]&password=[REDACTED]&api_key=[REDACTED]"


async def test_streamed_response_is_one_span_covering_every_chunk(
    client: Client, otel: TelemetryCapture
) -> None:
    """No per-send or per-receive spans: a streamed body still gives exactly one span."""
    response = await client.get("/stream")

    assert await response.get_data(as_text=True) == "chunk 0\nchunk 1\nchunk 2\n"
    assert [span.name for span in otel.spans()] == ["GET /stream"]


async def test_websocket_connection_is_one_span_named_by_its_rule(
    client: Client, otel: TelemetryCapture
) -> None:
    """A websocket gets one span for the connection: ``GET /ws/<room>``, scheme ws, 101."""
    async with client.websocket("/ws/lobby") as socket:
        await socket.send("hello")
        assert await socket.receive() == "lobby: hello"

    span = otel.span("GET /ws/<room>")
    assert span.kind is SpanKind.SERVER
    assert span.attributes["url.scheme"] == "ws"  # type: ignore[index]
    assert span.attributes["http.response.status_code"] == 101  # type: ignore[index]
    assert otel.metrics.count("http.server.request.duration") == 0


async def test_health_endpoint_is_excluded_by_default(
    client: Client, otel: TelemetryCapture
) -> None:
    """Probes stay out of traces and metrics unless configured otherwise."""
    assert (await client.get("/healthz")).status_code == 200

    assert otel.spans() == []
    assert otel.metrics.count("http.server.request.duration") == 0


async def test_quart_specific_exclusion_variable_wins_over_the_generic_one(
    monkeypatch: pytest.MonkeyPatch, otel: TelemetryCapture
) -> None:
    """OTEL_PYTHON_QUART_EXCLUDED_URLS replaces the defaults; the generic one is the fallback."""
    monkeypatch.setenv("OTEL_PYTHON_QUART_EXCLUDED_URLS", "/essays/.*")
    monkeypatch.setenv("OTEL_PYTHON_EXCLUDED_URLS", "/context")
    app = create_app()
    QuartInstrumentor.instrument_app(app)
    client = app.test_client()

    for path in ("/essays/1", "/context", "/healthz"):
        await client.get(path)

    assert [span.name for span in otel.spans()] == ["GET /context", "GET /healthz"]


async def test_generic_exclusion_variable_applies_when_quart_one_is_unset(
    monkeypatch: pytest.MonkeyPatch, otel: TelemetryCapture
) -> None:
    """OTEL_PYTHON_EXCLUDED_URLS alone replaces the default exclusions."""
    monkeypatch.setenv("OTEL_PYTHON_EXCLUDED_URLS", "context")
    app = create_app()
    QuartInstrumentor.instrument_app(app)

    await app.test_client().get("/context")
    await app.test_client().get("/healthz")

    assert [span.name for span in otel.spans()] == ["GET /healthz"]


async def test_suppressed_instrumentation_makes_no_span(
    client: Client, otel: TelemetryCapture
) -> None:
    """Inside suppress_instrumentation() the app runs untraced."""
    with suppress_instrumentation():
        assert (await client.get("/essays/1")).status_code == 200

    assert otel.spans() == []


async def test_websocket_handler_error_is_recorded_on_the_connection_span(
    app: Quart, otel: TelemetryCapture
) -> None:
    """An exception in a websocket handler: exception event and error.type on its one span."""

    @app.websocket("/ws-broken")
    async def broken() -> None:
        await websocket.accept()
        raise RuntimeError("socket handler failed")

    async with app.test_client().websocket("/ws-broken") as socket:
        with pytest.raises(WebsocketDisconnectError):
            await socket.receive()

    span = otel.span("GET /ws-broken")
    assert span.attributes["error.type"] == "RuntimeError"  # type: ignore[index]
    assert [event.name for event in span.events] == ["exception"]
