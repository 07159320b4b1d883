"""One CLIENT span and one duration per statement; one duration per transaction.

The span starts in ``before_cursor_execute`` and ends in ``after_cursor_execute`` or
``handle_error``. In between, the span is current and instrumentation is suppressed, so a driver
instrumentor (contrib asyncpg, for one) sees the statement as already traced and adds no
second span. Error messages can quote row values, so only the error's type is recorded.

A statement's span and metric attributes are built once per distinct statement and reused
(read-only: the SDK copies what it keeps); the cache is bounded like the summaries' cache.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from contextvars import Token
from dataclasses import dataclass
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.util.types import AttributeValue
from sqlalchemy.engine import Connection, ExceptionContext

from huleedu_otel.sqlalchemy._attributes import EngineAttributes
from huleedu_otel.sqlalchemy._sql import StatementSummary, summarize
from huleedu_otel.sqlalchemy._telemetry import DatabaseTelemetry

_SUPPRESS_KEY = otel_context._SUPPRESS_INSTRUMENTATION_KEY
_IN_FLIGHT = "_huleedu_otel_statement"
#: Distinct statements whose attributes are kept, and the longest kept (as ``summarize``).
_CACHED_STATEMENTS = 2048
_CACHED_LENGTH = 8_192


@dataclass(frozen=True, slots=True)
class _StatementAttributes:
    """One statement's span name, span attributes and metric attributes (never mutated)."""

    span_name: str
    span: dict[str, AttributeValue]
    metric: dict[str, AttributeValue]


@dataclass(slots=True)
class _InFlight:
    span: trace.Span
    started: float
    attributes: dict[str, AttributeValue]
    token: Token[Context] | None


class StatementTracer:
    """The execute and transaction listeners of one engine."""

    def __init__(self, attributes: EngineAttributes, telemetry: DatabaseTelemetry) -> None:
        self._common = attributes.common()
        self._fallback_name = attributes.namespace or attributes.system
        self._metrics = telemetry.metrics
        self._tracer = telemetry.tracer
        self._began: weakref.WeakKeyDictionary[Connection, float] = weakref.WeakKeyDictionary()
        tx_common = {
            k: v for k, v in self._common.items() if k in {"db.system.name", "db.namespace"}
        }
        self._tx_attributes = {
            outcome: {**tx_common, "outcome": outcome} for outcome in ("commit", "rollback")
        }
        self._statements: dict[StatementSummary, _StatementAttributes] = {}

    def listeners(self) -> list[tuple[str, Callable[..., Any]]]:
        return [
            ("before_cursor_execute", self._before),
            ("after_cursor_execute", self._after),
            ("handle_error", self._on_error),
            ("begin", self._on_begin),
            ("commit", self._on_commit),
            ("rollback", self._on_rollback),
        ]

    # --- statements ---

    def _before(
        self, _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        if context is not None and is_instrumentation_enabled():
            self._start(statement, context)

    def _start(self, statement: str, context: Any) -> None:
        summary = summarize(statement)
        built = self._statements.get(summary)
        if built is None:
            built = self._build(summary)
        span = self._tracer.start_span(built.span_name, kind=SpanKind.CLIENT, attributes=built.span)
        token = None
        if not context.execution_options.get("skip_user_error_events"):
            # handle_error will run, so the context is always restored
            token = otel_context.attach(
                otel_context.set_value(_SUPPRESS_KEY, True, trace.set_span_in_context(span))
            )
        setattr(context, _IN_FLIGHT, _InFlight(span, time.perf_counter(), built.metric, token))

    def _build(self, summary: StatementSummary) -> _StatementAttributes:
        metric = dict(self._common)
        if summary.operation:
            metric["db.operation.name"] = summary.operation
        if summary.collection:
            metric["db.collection.name"] = summary.collection
        built = _StatementAttributes(
            summary.span_name or self._fallback_name,
            {**metric, "db.query.text": summary.text},
            metric,
        )
        if len(summary.text) <= _CACHED_LENGTH:  # literal-laden bulk inserts are not kept
            if len(self._statements) >= _CACHED_STATEMENTS:
                self._statements.clear()  # more distinct statements than expected: start over
            self._statements[summary] = built
        return built

    def _after(
        self, _conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        self._finish(context, None, None)

    def _on_error(self, exception_context: ExceptionContext) -> None:
        error = exception_context.sqlalchemy_exception or exception_context.original_exception
        self._finish(
            exception_context.execution_context, error, exception_context.original_exception
        )

    def _finish(
        self, context: Any, error: BaseException | None, cause: BaseException | None
    ) -> None:
        in_flight: _InFlight | None = getattr(context, _IN_FLIGHT, None)
        if in_flight is None:
            return
        setattr(context, _IN_FLIGHT, None)
        self._end(in_flight, error, cause)

    def _end(
        self, in_flight: _InFlight, error: BaseException | None, cause: BaseException | None
    ) -> None:
        if in_flight.token is not None:
            otel_context.detach(in_flight.token)
        elapsed = time.perf_counter() - in_flight.started
        attributes = in_flight.attributes
        span = in_flight.span
        if error is not None:
            attributes = {**attributes, **_error_attributes(error, cause)}
            if span.is_recording():
                span.set_attributes(attributes)
                span.set_status(Status(StatusCode.ERROR, attributes["error.type"]))  # type: ignore[arg-type]
        span.end()
        self._metrics.operation_duration.record(elapsed, attributes)

    # --- transactions ---

    def _on_begin(self, conn: Connection) -> None:
        self._began[conn] = time.perf_counter()

    def _on_commit(self, conn: Connection) -> None:
        self._transaction_ended(conn, "commit")

    def _on_rollback(self, conn: Connection) -> None:
        self._transaction_ended(conn, "rollback")

    def _transaction_ended(self, conn: Connection, outcome: str) -> None:
        started = self._began.pop(conn, None)
        if started is None or not is_instrumentation_enabled():
            return
        self._metrics.transaction_duration.record(
            time.perf_counter() - started, self._tx_attributes[outcome]
        )


def _error_attributes(
    error: BaseException, cause: BaseException | None
) -> dict[str, AttributeValue]:
    """SQLAlchemy's error class, and the database's own code (SQLSTATE) when the driver has one."""
    found: dict[str, AttributeValue] = {"error.type": type(error).__qualname__}
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if isinstance(code, str) and code:
        found["db.response.status_code"] = code
    return found
