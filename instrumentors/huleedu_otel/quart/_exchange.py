"""One request or websocket connection in flight: its span, its timing and its outcome.

Built when the ASGI call starts, finished when it returns. Everything per request lives here,
in one slotted object, so the hot path allocates little: the attribute sets for the metrics
come from :class:`ServerTelemetry`'s caches. The user's hooks run from here too, guarded.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextvars import Token
from typing import Any

from opentelemetry import context, trace
from opentelemetry.semconv.attributes.client_attributes import CLIENT_ADDRESS
from opentelemetry.semconv.attributes.error_attributes import ERROR_TYPE
from opentelemetry.semconv.attributes.http_attributes import (
    HTTP_REQUEST_METHOD,
    HTTP_REQUEST_METHOD_ORIGINAL,
    HTTP_RESPONSE_STATUS_CODE,
    HTTP_ROUTE,
)
from opentelemetry.semconv.attributes.url_attributes import URL_PATH, URL_QUERY, URL_SCHEME
from opentelemetry.semconv.attributes.user_agent_attributes import USER_AGENT_ORIGINAL
from opentelemetry.trace import SpanKind, Status, StatusCode

from huleedu_otel.quart._propagation import CORRELATION_HEADER, correlation_id, parent_context
from huleedu_otel.quart._settings import (
    MAX_METHOD,
    MAX_PATH,
    MAX_USER_AGENT,
    Message,
    QuartSettings,
    Scope,
    ServerRequestHook,
    ServerResponseHook,
    bounded_query,
    captured_headers,
    clipped,
)
from huleedu_otel.quart._telemetry import (
    OTHER_METHOD,
    InFlight,
    ServerTelemetry,
    normalise_method,
    report_failure,
)
from huleedu_service_libs._shared.exception_text import exception_attributes
from huleedu_service_libs.correlation import bind_correlation_id, reset_correlation_id

__all__ = ["EXCHANGE_KEY", "Exchange", "Hooks"]

Send = Callable[[Message], Awaitable[None]]

#: Where the exchange rides in the ASGI scope, so the route recorder can find it.
EXCHANGE_KEY = "huleedu_otel.quart.exchange"


class Hooks:
    """``server_request_hook(span, scope)`` and ``server_response_hook(span, message)``, run so
    that their failure cannot reach a request."""

    __slots__ = ("request", "response")

    def __init__(
        self, request: ServerRequestHook | None, response: ServerResponseHook | None
    ) -> None:
        self.request = request
        self.response = response

    def on_request(self, span: trace.Span, scope: Scope) -> None:
        if self.request is not None and span.is_recording():
            try:
                self.request(span, scope)
            except Exception:
                report_failure("server_request_hook")

    def on_response(self, span: trace.Span, message: Message) -> None:
        if self.response is not None and span.is_recording():
            try:
                self.response(span, message)
            except Exception:
                report_failure("server_response_hook")


class Exchange:
    """The state of one traced request (or websocket connection)."""

    __slots__ = (
        "_context_token",
        "_correlation_token",
        "_hooks",
        "_in_flight",
        "_parent",
        "_send",
        "_settings",
        "_span_context",
        "_started",
        "_telemetry",
        "correlation_id",
        "error_type",
        "method",
        "route",
        "scheme",
        "span",
        "status",
        "websocket",
    )

    def __init__(
        self,
        telemetry: ServerTelemetry,
        settings: QuartSettings,
        hooks: Hooks,
        scope: Scope,
        send: Send,
    ) -> None:
        self._telemetry = telemetry
        self._settings = settings
        self._hooks = hooks
        self._send = send
        self.websocket = scope["type"] == "websocket"
        self.method = normalise_method(scope.get("method", "GET"))
        self.scheme = scope.get("scheme") or ("ws" if self.websocket else "http")
        self.route: str | None = None
        self.status: int | None = None
        self.error_type: str | None = None
        headers = dict(scope["headers"])
        self.correlation_id = correlation_id(headers)
        self._parent = parent_context(headers)
        self.span = self._start_span(scope, headers)
        self._span_context = trace.set_span_in_context(self.span, self._parent)
        self._started = time.perf_counter()
        self._in_flight = self._count_in()
        hooks.on_request(self.span, scope)

    def _start_span(self, scope: Scope, headers: dict[bytes, bytes]) -> trace.Span:
        """Named ``{METHOD}`` until the route is known (Quart matches it inside the app)."""
        return self._telemetry.tracer.start_span(
            self._telemetry.span_name(self.method, None),
            context=self._parent,
            kind=SpanKind.SERVER,
            attributes=self._start_attributes(scope, headers),
        )

    def _count_in(self) -> InFlight | None:
        if self.websocket:  # connections that last minutes stay out of the request metrics
            return None
        in_flight = self._telemetry.active.entry(self.method, self.scheme)
        in_flight.count += 1
        return in_flight

    def _start_attributes(self, scope: Scope, headers: dict[bytes, bytes]) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            HTTP_REQUEST_METHOD: self.method,
            URL_PATH: clipped(scope["path"], MAX_PATH),
            URL_SCHEME: self.scheme,
            "huleedu.correlation_id": self.correlation_id,
        }
        if self.method == OTHER_METHOD:
            attributes[HTTP_REQUEST_METHOD_ORIGINAL] = clipped(str(scope.get("method")), MAX_METHOD)
        client = scope.get("client")
        if client:
            attributes[CLIENT_ADDRESS] = client[0]
        agent = headers.get(b"user-agent")
        if agent is not None:
            attributes[USER_AGENT_ORIGINAL] = clipped(agent.decode("latin-1"), MAX_USER_AGENT)
        query = scope.get("query_string")
        if query:
            attributes[URL_QUERY] = bounded_query(query)
        if self._settings.headers.request is not None:
            attributes.update(captured_headers(self._settings.headers, "request", scope["headers"]))
        return attributes

    def enter(self) -> None:
        """Make the span and the correlation id current for the app's tasks."""
        self._context_token: Token[context.Context] = context.attach(self._span_context)
        self._correlation_token = bind_correlation_id(self.correlation_id)

    def leave(self) -> None:
        reset_correlation_id(self._correlation_token)
        context.detach(self._context_token)

    async def send(self, message: Message) -> None:
        """The app's ``send``: notes the status and echoes the correlation id."""
        kind = message["type"]
        if kind == "http.response.start" or kind == "websocket.http.response.start":
            self.status = message["status"]
            message = self._responding(message)
        elif kind == "websocket.accept":
            self.status = 101
            message = self._responding(message)
        elif kind == "websocket.close" and self.status is None:
            self.status = 403  # closed before accepting: the server answers 403
        await self._send(message)

    def _responding(self, message: Message) -> Message:
        try:
            headers = message.get("headers") or []
            if not any(name.lower() == CORRELATION_HEADER for name, _ in headers):
                pair = (CORRELATION_HEADER, self.correlation_id.encode("ascii"))
                message = {**message, "headers": [*headers, pair]}
            if self._settings.headers.response is not None and self.span.is_recording():
                found = captured_headers(self._settings.headers, "response", headers)
                self.span.set_attributes(found)
            self._hooks.on_response(self.span, message)
        except Exception:
            report_failure("response handling")
        return message

    def record_exception(self, error: BaseException) -> None:
        """Only the first: a propagated error also reaches the ASGI wrapper after the signal."""
        if self.error_type is not None:
            return
        self.error_type = type(error).__qualname__
        if self.span.is_recording():
            self.span.record_exception(error, attributes=exception_attributes(error))

    def finish(self) -> None:
        """End the span and record the measurements, once the response has gone out."""
        status = self.status
        error_type = self.error_type
        if error_type is None and status is not None and status >= 500:
            error_type = str(status)
        self._end_span(status, error_type)
        if self._in_flight is not None:
            self._in_flight.count -= 1
            telemetry = self._telemetry
            key = (self.method, self.scheme, self.route, status, error_type)
            # In the span's context, so a sampled span becomes the measurement's exemplar.
            telemetry.duration.record(
                time.perf_counter() - self._started,
                telemetry.duration_attributes(key),
                context=self._span_context,
            )

    def _end_span(self, status: int | None, error_type: str | None) -> None:
        span = self.span
        if span.is_recording():
            attributes: dict[str, Any] = {}
            if self.route is not None:
                attributes[HTTP_ROUTE] = self.route
                span.update_name(self._telemetry.span_name(self.method, self.route))
            if status is not None:
                attributes[HTTP_RESPONSE_STATUS_CODE] = status
            if error_type is not None:
                attributes[ERROR_TYPE] = error_type
                span.set_status(Status(StatusCode.ERROR))
            span.set_attributes(attributes)
        span.end()
