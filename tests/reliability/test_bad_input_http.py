"""Bad input over HTTP: hostile trace context, giant and non-UTF-8 paths, headers and bodies.

Through the huleedu_quart instrumentor, first with hand-built ASGI scopes (any bytes a server
could pass on), then through a real hypercorn. What must hold: the handler runs, malformed trace
context is ignored (the request starts a new trace), and span attributes stay bounded whatever
the request carried: nothing from ``baggage`` is copied into them, and path, query, user agent
are capped (``huleedu_otel.quart._settings``).
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from opentelemetry import baggage, trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from quart import Quart, request

from huleedu_otel.quart._settings import MAX_PATH, MAX_QUERY, MAX_USER_AGENT
from huleedu_otel.testing import TelemetryCapture
from tests._services import free_port, wait_for_port
from tests.conftest import QuartApps
from tests.reliability._asgi import call
from tests.reliability._fuzz import fuzz_settings

MEGABYTE = 1 << 20
#: Every attribute a server span may carry here; anything else would be copied from the input.
SPAN_ATTRIBUTES = {
    "http.request.method", "http.request.method_original", "url.path", "url.scheme",
    "url.query", "huleedu.correlation_id", "client.address", "user_agent.original",
    "http.route", "http.response.status_code", "error.type",
}  # fmt: skip


def create_app() -> Quart:
    app = Quart(__name__)

    @app.route("/seen", methods=["GET", "POST"])
    async def seen() -> dict[str, Any]:
        """What the handler got: its trace, the baggage it sees, the body size."""
        span_context = trace.get_current_span().get_span_context()
        body = await request.get_data()
        return {
            "trace_id": format(span_context.trace_id, "032x"),
            "baggage": dict(baggage.get_all()),
            "body_bytes": len(body),
        }

    return app


@pytest.fixture
def app(otel: TelemetryCapture, quart_apps: QuartApps) -> Quart:
    return quart_apps.instrumented(create_app())


def _field(max_size: int) -> st.SearchStrategy[bytes]:
    """Any header value an HTTP/1.1 server passes on: every byte but CR, LF and NUL."""
    return st.binary(max_size=max_size).map(lambda b: b.translate(None, b"\r\n\x00"))


def _utf8(max_size: int) -> st.SearchStrategy[bytes]:
    """Query strings Quart can route (0.22 answers 500 to a query that is not UTF-8)."""
    return st.text(max_size=max_size).map(lambda t: t.encode("utf-8", "replace"))


def _near_traceparent() -> st.SearchStrategy[bytes]:
    hex_ = st.text("0123456789abcdefABCDEF", min_size=0, max_size=34)
    parts = st.tuples(hex_, hex_, hex_, hex_).map(lambda p: "-".join(p).encode())
    valid = st.tuples(
        st.sampled_from(["00", "01", "ff", "cc"]),
        st.integers(0, 2**128 - 1).map(lambda n: format(n, "032x")),
        st.integers(0, 2**64 - 1).map(lambda n: format(n, "016x")),
        st.sampled_from(["00", "01", "0g"]),
    ).map(lambda p: "-".join(p).encode())
    return st.one_of(_field(120), parts, valid)


def _pairs(max_size: int) -> st.SearchStrategy[bytes]:
    pair = st.tuples(_field(12), _field(24)).map(lambda kv: b"=".join(kv))
    return st.lists(pair, max_size=max_size).map(b",".join)


trace_headers = st.fixed_dictionaries(
    {},
    optional={
        b"traceparent": _near_traceparent(),
        b"tracestate": st.one_of(_field(300), _pairs(40)),
        b"baggage": st.one_of(_field(300), _pairs(200)),
        b"x-correlation-id": _field(200),
        b"user-agent": _field(200),
    },
)


def _expected_parent(headers: dict[bytes, bytes]) -> trace.SpanContext:
    """What a correct W3C extraction makes of these headers (invalid when malformed)."""
    carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in headers.items()}
    extracted = TraceContextTextMapPropagator().extract(carrier)
    return trace.get_current_span(extracted).get_span_context()


def _attribute_chars(span: Any) -> int:
    return sum(len(str(value)) for value in dict(span.attributes or {}).values())


def _assert_bounded(span: Any) -> None:
    attributes = dict(span.attributes)
    assert set(attributes) <= SPAN_ATTRIBUTES
    assert len(attributes.get("url.path", "")) <= MAX_PATH
    assert len(attributes.get("url.query", "")) <= MAX_QUERY
    assert len(attributes.get("user_agent.original", "")) <= MAX_USER_AGENT
    assert len(attributes["huleedu.correlation_id"]) <= 128


@fuzz_settings(250)
@given(headers=trace_headers, path=st.text(max_size=64), query=_utf8(200))
def test_hostile_trace_headers_never_break_the_request(
    app: Quart,
    otel: TelemetryCapture,
    headers: dict[bytes, bytes],
    path: str,
    query: bytes,
) -> None:
    """Property: arbitrary ``traceparent``/``tracestate``/``baggage``/correlation/user-agent
    bytes and query strings: the handler answers 200, the server span's parent is exactly what
    W3C extraction accepts (malformed context is ignored, the request starts its own trace; an
    unsampled valid parent is honoured), and every attribute is one of the known ones, bounded."""
    otel.reset()
    response = asyncio.run(call(app, "/seen", headers=list(headers.items()), query=query))
    assert response.status == 200
    expected = _expected_parent(headers)
    if expected.is_valid and not expected.trace_flags.sampled:  # the caller chose not to sample
        assert otel.spans() == []
        assert format(expected.trace_id, "032x") == json.loads(response.body)["trace_id"]
        return
    span = otel.span("GET /seen")
    if expected.is_valid:
        assert (expected.trace_id, expected.span_id) == (span.parent.trace_id, span.parent.span_id)  # type: ignore[union-attr]
    else:
        assert span.parent is None
    assert format(span.context.trace_id, "032x") == json.loads(response.body)["trace_id"]
    _assert_bounded(span)
    # and the same for a path nobody routes: 404, still one bounded span
    otel.reset()
    assert asyncio.run(call(app, "/x/" + path, headers=list(headers.items()))).status == 404
    _assert_bounded(otel.span("GET"))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (b"baggage", b"k=" + b"v" * MEGABYTE),
        (b"baggage", b",".join(b"k%d=v" % i for i in range(100_000))),
        (b"tracestate", b",".join(b"v%d=x" % i for i in range(100_000))),
        (b"traceparent", b"00-" + b"a" * MEGABYTE),
        (b"user-agent", b"\xff" * MEGABYTE),
        (b"x-correlation-id", b"c" * MEGABYTE),
    ],
    ids=["1MB-baggage", "100k-baggage-pairs", "100k-tracestate", "1MB-traceparent",
         "1MB-non-utf8-agent", "1MB-correlation"],
)  # fmt: skip
async def test_a_megabyte_header_is_neither_used_nor_copied(
    app: Quart, otel: TelemetryCapture, name: bytes, value: bytes
) -> None:
    """A 1 MB trace header is dropped (W3C caps baggage at 8 KB and 180 members, tracestate at
    32), the handler sees no baggage and a trace of its own, and the whole span stays under
    8 KB of attribute text; the propagators' warnings about it quote no part of it: nothing of
    the megabyte is kept."""
    response = await call(app, "/seen", headers=[(name, value)])
    assert response.status == 200
    assert json.loads(response.body)["baggage"] == {}
    span = otel.span("GET /seen")
    assert span.parent is None
    _assert_bounded(span)
    assert _attribute_chars(span) < 8192
    tail = value[-64:].decode("latin-1")
    assert not [r for r in otel.logs() if tail in str(r.log_record.body)]


async def test_giant_and_non_utf8_paths_and_bodies_are_bounded(
    app: Quart, otel: TelemetryCapture
) -> None:
    """A 1 MB path with a lone surrogate, a 1 MB query with a token, a 5 MB non-UTF-8 body:
    the handler reads the body, the span keeps at most the caps, valid UTF-8 (OTLP needs it),
    and the token's value is not kept."""
    giant_path = "/\udcff" + "p" * MEGABYTE
    assert (await call(app, giant_path)).status == 404
    query = b"token=s3cr3t-value&" + b"q=" * MEGABYTE
    body = bytes(range(256)) * (5 * MEGABYTE // 256)
    response = await call(app, "/seen", method="POST", query=query, body=body)
    assert json.loads(response.body)["body_bytes"] == 5 * MEGABYTE
    for span in otel.spans():
        _assert_bounded(span)
        for value in span.attributes.values():  # type: ignore[union-attr]
            str(value).encode("utf-8")  # no lone surrogates left
    assert "s3cr3t-value" not in str(otel.span("POST /seen").attributes)


async def test_many_hostile_requests_keep_exported_attributes_bounded(
    app: Quart, otel: TelemetryCapture
) -> None:
    """50 requests each carrying 1 MB of path, query, user agent and baggage (200 MB in) keep
    under 50 x 5 KB of span attributes in the exporter: memory does not grow with the input."""
    megabyte = b"m" * MEGABYTE
    for n in range(50):
        headers = [(b"user-agent", megabyte), (b"baggage", b"k=" + megabyte)]
        await call(app, f"/seen/{n}" + "p" * MEGABYTE, headers=headers, query=megabyte)
    spans = otel.spans()
    assert len(spans) == 50
    kept = sum(_attribute_chars(span) for span in spans)
    assert kept < 50 * 5 * 1024


@pytest.fixture
async def server(app: Quart) -> AsyncIterator[int]:
    """``app`` under a real hypercorn (its default limits: 16 KB of request head)."""
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    port = free_port()
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, config, shutdown_trigger=stop.wait))
    await asyncio.to_thread(wait_for_port, port)
    yield port
    stop.set()
    await task


def _raw_request(port: int, head: bytes, body: bytes = b"") -> bytes:
    """Send ``head`` (and ``body``) as they are; the status line of the answer (or b"")."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head + b"\r\n" + body)
        received = b""
        while b"\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    return received.split(b"\r\n", 1)[0]


async def _ended(otel: TelemetryCapture, name: str, count: int = 1) -> None:
    for _ in range(1_000):
        if len(otel.spans(name)) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{name} did not end within 10 s")


def _get(path: bytes, *headers: bytes) -> bytes:
    lines = [b"GET " + path + b" HTTP/1.1", b"Host: x", b"Connection: close", *headers]
    return b"\r\n".join(lines) + b"\r\n"


async def test_real_server_survives_hostile_requests(server: int, otel: TelemetryCapture) -> None:
    """Through hypercorn: 8 KB of baggage and tracestate beside a malformed traceparent reach
    the handler (200, new trace); a percent-encoded non-UTF-8 path gets a bounded span (raw
    non-ASCII bytes never reach the app: hypercorn answers 400); a 1 MB header is refused
    by hypercorn itself (4xx, never our 5xx) and the next request is served normally."""
    big = b"x" * 8000
    status = await asyncio.to_thread(
        _raw_request, server,
        _get(b"/seen", b"traceparent: 00-zz-zz-01", b"baggage: k=" + big, b"tracestate: a=" + big),
    )  # fmt: skip
    assert status.startswith(b"HTTP/1.1 200")
    await _ended(otel, "GET /seen")  # the span ends just after the last byte went out
    assert otel.span("GET /seen").parent is None
    status = await asyncio.to_thread(_raw_request, server, _get(b"/%ff%fe/%c0"))
    assert status.startswith(b"HTTP/1.1 404")
    status = await asyncio.to_thread(_raw_request, server, _get(b"/\xff\xfe"))
    assert status.startswith(b"HTTP/1.1 400")  # raw non-ASCII: h11 refuses the request line
    refused = await asyncio.to_thread(
        _raw_request, server, _get(b"/seen", b"baggage: k=" + b"v" * MEGABYTE)
    )
    assert refused.startswith(b"HTTP/1.1 4")
    status = await asyncio.to_thread(_raw_request, server, _get(b"/seen"))
    assert status.startswith(b"HTTP/1.1 200")
    await _ended(otel, "GET /seen", count=2)
    for span in otel.spans():
        _assert_bounded(span)
