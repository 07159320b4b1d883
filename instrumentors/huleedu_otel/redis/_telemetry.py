"""One CLIENT span and one duration measurement per Redis round trip.

Everything here runs around the user's command and must never break it: a failure on the
telemetry side is logged once and the command goes on (``RedisTelemetry.start`` and
``Observation.finish`` catch everything; user hooks are guarded on their own).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from opentelemetry import context, trace
from opentelemetry.metrics import Histogram
from opentelemetry.semconv.attributes import db_attributes, error_attributes, server_attributes
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from redis.exceptions import ConnectionError, TimeoutError, WatchError

from huleedu_otel.redis._commands import Command, connection_attributes
from huleedu_otel.redis._native_metrics import redis_py_records_duration
from huleedu_service_libs._shared.report_once import ReportOnce

__all__ = ["Observation", "RedisTelemetry", "RequestHook", "ResponseHook"]

_log = logging.getLogger(__name__)
#: Telemetry never breaks the command: call from an ``except`` block.
_report_failure = ReportOnce(_log, "Telemetry failed in %s; the command goes on")

#: ``request_hook(span, client, args, kwargs)`` before the command is sent.
RequestHook = Callable[[Span, Any, tuple[Any, ...], dict[str, Any]], None]
#: ``response_hook(span, client, response)`` after a successful reply.
ResponseHook = Callable[[Span, Any, Any], None]

_METRIC_KEYS = (
    db_attributes.DB_SYSTEM_NAME,
    db_attributes.DB_NAMESPACE,
    server_attributes.SERVER_ADDRESS,
    server_attributes.SERVER_PORT,
)


@dataclass(frozen=True, slots=True)
class RedisTelemetry:
    """What the wrappers close over: the tracer, the histogram and the user's hooks."""

    tracer: Tracer
    duration: Histogram
    request_hook: RequestHook | None = None
    response_hook: ResponseHook | None = None
    #: Which redis-py flavour this wraps (each has its own native metrics switch).
    asyncio: bool = False
    #: True while another instrumentor owns the command spans (ours then only measures).
    spans_owned_elsewhere: Callable[[], bool] = lambda: False

    def start(
        self,
        client: Any,
        describe: Callable[[Any, tuple[Any, ...]], Command | None],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Observation | None:
        """Open the span (current for the call); None when there is nothing to observe or
        the telemetry side failed."""
        try:
            command = describe(client, args)
            return None if command is None else self._start(client, command, args, kwargs)
        except Exception:
            _report_failure("starting a Redis span")
            return None

    def _start(
        self, client: Any, command: Command, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Observation:
        connection = connection_attributes(client)
        metric = {k: connection[k] for k in _METRIC_KEYS if k in connection}
        metric[db_attributes.DB_OPERATION_NAME] = command.name
        if self.spans_owned_elsewhere():
            return Observation(self, trace.INVALID_SPAN, None, metric, perf_counter())
        attributes = {**connection, **_span_attributes(command)}  # one pass through the SDK
        span = self.tracer.start_span(command.name, kind=SpanKind.CLIENT, attributes=attributes)
        token = context.attach(trace.set_span_in_context(span))
        if self.request_hook is not None:
            _run_hook(self.request_hook, span, client, args, kwargs)
        return Observation(self, span, token, metric, perf_counter())


class Observation:
    """One command in flight; :meth:`finish` exactly once."""

    __slots__ = ("_metric", "_span", "_started", "_telemetry", "_token")

    def __init__(
        self,
        telemetry: RedisTelemetry,
        span: Span,
        token: object | None,
        metric: dict[str, str | int],
        started: float,
    ) -> None:
        self._telemetry = telemetry
        self._span = span
        self._token = token
        self._metric = metric
        self._started = started

    def finish(self, client: Any, error: BaseException | None, response: Any = None) -> None:
        try:
            self._finish(client, error, response)
        except Exception:
            _report_failure("finishing a Redis span")

    def _finish(self, client: Any, error: BaseException | None, response: Any) -> None:
        elapsed = perf_counter() - self._started
        if self._token is not None:
            context.detach(self._token)  # type: ignore[arg-type]
        if _is_failure(error):
            error_type = type(error).__qualname__
            self._metric[error_attributes.ERROR_TYPE] = error_type
            self._span.set_attribute(error_attributes.ERROR_TYPE, error_type)
            self._span.set_status(Status(StatusCode.ERROR, error_type))
        elif error is None and self._telemetry.response_hook is not None:
            _run_hook(self._telemetry.response_hook, self._span, client, response)
        self._span.end()
        name = str(self._metric[db_attributes.DB_OPERATION_NAME])
        if not redis_py_records_duration(name, asyncio=self._telemetry.asyncio):
            self._telemetry.duration.record(elapsed, self._metric)


def _span_attributes(command: Command) -> dict[str, str | int]:
    attributes: dict[str, str | int] = {
        db_attributes.DB_OPERATION_NAME: command.name,
        db_attributes.DB_QUERY_TEXT: command.query_text,
    }
    if command.batch_size is not None:
        attributes[db_attributes.DB_OPERATION_BATCH_SIZE] = command.batch_size
    return attributes


def _is_failure(error: BaseException | None) -> bool:
    """Errors count; a cancellation or a WATCH conflict (the transaction's normal "retry")
    does not. The message is never recorded: redis-py puts command values into it."""
    if error is None or not isinstance(error, Exception):
        return False
    lost_connection = isinstance(error.__context__, (ConnectionError, TimeoutError))
    return not isinstance(error, WatchError) or lost_connection


def _run_hook(hook: Callable[..., None], *args: Any) -> None:
    try:
        hook(*args)
    except Exception:
        _log.warning("A Redis instrumentation hook raised; the command goes on", exc_info=True)
