"""Tracing helpers as the seed documents them, on the OpenTelemetry API.

``init_tracing`` is the one that may switch telemetry on: when no SDK tracer provider is set yet
(no ``opentelemetry-instrument``, no ``huleedu_otel.configure()``), it hands over to
``huleedu_otel`` to configure the process; otherwise it only returns a tracer. The propagation
helpers accept whatever a message carries: a missing, non-dict or malformed carrier leaves the
trace context as it was instead of raising.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace import Status, StatusCode

from huleedu_service_libs import _otel_bridge
from huleedu_service_libs._shared.exception_text import exception_attributes, safe_message

__all__ = [
    "extract_trace_context",
    "get_current_trace_id",
    "get_tracer",
    "init_tracing",
    "inject_trace_context",
    "trace_operation",
    "use_trace_context",
]

_log = logging.getLogger(__name__)


def init_tracing(service_name: str) -> trace.Tracer:
    """A tracer for ``service_name``; configures telemetry first when nothing has yet."""
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        _otel_bridge.configure_telemetry(service_name)
    return get_tracer(service_name)


def get_tracer(service_name: str) -> trace.Tracer:
    """A tracer from the global provider (a no-op one until telemetry is configured)."""
    return trace.get_tracer(service_name)


@contextmanager
def trace_operation(
    tracer: trace.Tracer,
    operation_name: str,
    attributes: dict[str, Any] | None = None,
) -> Iterator[trace.Span]:
    """Run the block in a span; an exception is recorded, marks the span ERROR, and propagates."""
    with tracer.start_as_current_span(
        operation_name,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            yield span
        except Exception as exc:
            _mark_failed(span, exc)
            raise
        span.set_status(Status(StatusCode.OK))


def _mark_failed(span: trace.Span, exc: Exception) -> None:
    """Record the error with its message and traceback made safe (a DSN in a message is common,
    and a database error quotes the statement and its values)."""
    message = safe_message(exc)
    span.record_exception(exc, attributes=exception_attributes(exc))
    span.set_attribute("error.type", type(exc).__qualname__)
    span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {message}"))


def get_current_trace_id() -> str | None:
    """The current trace's id as 32 hex digits, or ``None`` outside a span."""
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None


def inject_trace_context(carrier: MutableMapping[str, Any] | None) -> None:
    """Write the current ``traceparent`` (and ``tracestate``/``baggage``) into ``carrier``."""
    if not isinstance(carrier, MutableMapping):
        _log.debug("No trace context injected into a %s", type(carrier).__name__)
        return
    propagate.inject(carrier)


def extract_trace_context(carrier: Mapping[str, Any] | None) -> Context:
    """The current context overlaid with what ``carrier`` holds.

    A carrier without a valid ``traceparent`` (absent, not a dict, garbage) leaves the current
    span in place, so work inside ``use_trace_context`` never falls out of the trace it was in.
    """
    current = otel_context.get_current()
    if not isinstance(carrier, Mapping):
        return current
    try:
        return propagate.extract(carrier, context=current, getter=_TEXT_ONLY)
    except Exception:
        _log.warning("Ignoring a malformed trace context carrier", exc_info=True)
        return current


@contextmanager
def use_trace_context(carrier: Mapping[str, Any] | None) -> Iterator[Context]:
    """Make the carrier's context current for the block, so new spans join that trace."""
    extracted = extract_trace_context(carrier)
    token = otel_context.attach(extracted)
    try:
        yield extracted
    finally:
        otel_context.detach(token)


class _TextOnlyGetter(Getter[Mapping[str, Any]]):
    """Reads only string values: an ``int`` or ``None`` under ``traceparent`` counts as absent."""

    def get(self, carrier: Mapping[str, Any], key: str) -> list[str] | None:
        value = carrier.get(key)
        if isinstance(value, str):
            return [value]
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            return list(value)
        return None

    def keys(self, carrier: Mapping[str, Any]) -> list[str]:
        return [key for key in carrier if isinstance(key, str)]


_TEXT_ONLY = _TextOnlyGetter()
