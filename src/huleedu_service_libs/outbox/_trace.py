"""The writing transaction's trace context, stored as W3C text on the row and restored by the
relay, so the relay's ``send`` span continues the trace of the request that wrote the event.

W3C ``traceparent``/``tracestate`` are used whatever the global propagator is: the columns have
one fixed meaning, and the record headers still get whatever the global propagator writes.
"""

from __future__ import annotations

from opentelemetry import context, trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

__all__ = ["capture_trace_context", "restore_trace_context"]

_W3C = TraceContextTextMapPropagator()


def capture_trace_context() -> tuple[str | None, str | None]:
    """``(traceparent, tracestate)`` of the current span; ``(None, None)`` outside any span."""
    carrier: dict[str, str] = {}
    _W3C.inject(carrier)
    return carrier.get("traceparent"), carrier.get("tracestate")


def restore_trace_context(
    traceparent: str | None, tracestate: str | None
) -> tuple[context.Context, trace.Link | None]:
    """The context to send in (the writer's span as remote parent) and a link to that span."""
    carrier = {k: v for k, v in (("traceparent", traceparent), ("tracestate", tracestate)) if v}
    parent = _W3C.extract(carrier, context=context.get_current())
    span_context = trace.get_current_span(parent).get_span_context()
    return parent, trace.Link(span_context) if span_context.is_valid else None
