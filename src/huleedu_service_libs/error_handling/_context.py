"""Context capture: the correlation id bound for the work in progress and the current span.

The correlation id bound for a request (by the Quart instrumentor or the correlation
middleware) or for a consumed event is a string; ``ErrorDetail`` holds a UUID. A value that is
a UUID is kept; any other accepted id maps to a UUIDv5 derived from it, the same one
``CorrelationContext.uuid`` gives, so one request's errors always share one id.
"""

from __future__ import annotations

import os
import traceback
import uuid
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import format_span_id, format_trace_id

from huleedu_service_libs._shared.redaction import redact_text
from huleedu_service_libs.correlation import get_correlation_id
from huleedu_service_libs.error_handling._codes import ErrorCodeLike, as_code
from huleedu_service_libs.error_handling._model import ErrorDetail

__all__ = ["correlation_uuid", "create_error_detail_with_context", "current_correlation_uuid"]

#: Namespace of the UUIDv5 ids derived from correlation ids that are not UUIDs.
CORRELATION_NAMESPACE = uuid.NAMESPACE_OID
_STACK_DEPTH = 24
_OWN_FILES = os.path.dirname(__file__)


def correlation_uuid(value: str | uuid.UUID) -> uuid.UUID:
    """``value`` as a UUID, or the UUIDv5 derived from it when it is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value)
    except ValueError:
        return uuid.uuid5(CORRELATION_NAMESPACE, value)


def current_correlation_uuid() -> uuid.UUID:
    """The bound correlation id as a UUID, or a new one when nothing is bound."""
    bound = get_correlation_id()
    return correlation_uuid(bound) if bound else uuid.uuid4()


def create_error_detail_with_context(
    error_code: ErrorCodeLike,
    message: str,
    service: str,
    operation: str,
    correlation_id: uuid.UUID | str | None = None,
    details: dict[str, Any] | None = None,
    capture_stack: bool = True,
) -> ErrorDetail:
    """An ``ErrorDetail`` tied to the current request or message and to the current span."""
    span_context = trace.get_current_span().get_span_context()
    traced = span_context.is_valid
    return ErrorDetail(
        error_code=as_code(error_code),
        message=message,
        correlation_id=(
            current_correlation_uuid()
            if correlation_id is None
            else correlation_uuid(correlation_id)
        ),
        service=service,
        operation=operation,
        details=dict(details) if details else {},
        stack_trace=_caller_stack() if capture_stack else None,
        trace_id=format_trace_id(span_context.trace_id) if traced else None,
        span_id=format_span_id(span_context.span_id) if traced else None,
    )


def _caller_stack() -> str:
    """Where the error was raised from, without this package's own frames."""
    frames = [
        frame
        for frame in traceback.extract_stack(limit=_STACK_DEPTH)
        if not frame.filename.startswith(_OWN_FILES)
    ]
    return redact_text("".join(traceback.format_list(frames)))
