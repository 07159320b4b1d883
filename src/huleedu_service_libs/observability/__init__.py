"""Distributed tracing helpers: ``from huleedu_service_libs.observability import init_tracing``."""

from huleedu_service_libs.observability.tracing import (
    extract_trace_context,
    get_current_trace_id,
    get_tracer,
    init_tracing,
    inject_trace_context,
    trace_operation,
    use_trace_context,
)

__all__ = [
    "extract_trace_context",
    "get_current_trace_id",
    "get_tracer",
    "init_tracing",
    "inject_trace_context",
    "trace_operation",
    "use_trace_context",
]
