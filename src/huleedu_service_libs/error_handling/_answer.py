"""Answering an error over HTTP, shared by the framework adapters: body, status and telemetry.

Every answered error is observed once, through the OpenTelemetry API, as the telemetry
contract's "Errors" section says: ``huleedu.error.code`` on the current span (the request's
SERVER span); for a 5xx also ``error.type`` = the code and status ERROR (4xx leave the status
unset, as the HTTP conventions say); one ``exception`` event with the safe message; one log
line; one ``huleedu.errors`` count. Telemetry that fails is reported once and never changes
the answer.
"""

from __future__ import annotations

import logging
from typing import Any

from opentelemetry import trace
from opentelemetry.semconv.attributes.error_attributes import ERROR_TYPE
from opentelemetry.semconv.attributes.http_attributes import HTTP_RESPONSE_STATUS_CODE
from opentelemetry.trace import Status, StatusCode, format_trace_id
from pydantic_core import to_jsonable_python

from huleedu_service_libs._shared import errors_metric
from huleedu_service_libs._shared.exception_text import (
    exception_attributes,
    safe_message,
    safe_stacktrace,
)
from huleedu_service_libs._shared.redaction import redact_mapping, redact_text
from huleedu_service_libs._shared.report_once import report_once
from huleedu_service_libs.correlation import get_correlation_id
from huleedu_service_libs.error_handling._codes import ErrorCode, code_value
from huleedu_service_libs.error_handling._context import (
    correlation_uuid,
    create_error_detail_with_context,
)
from huleedu_service_libs.error_handling._error import ErrorDetailLike, HuleEduError
from huleedu_service_libs.error_handling._logging import format_error_for_logging
from huleedu_service_libs.logging_utils import create_service_logger

__all__ = ["UNEXPECTED_MESSAGE", "error_body", "http_error_detail", "observe", "unexpected_detail"]

CODE_ATTRIBUTE = errors_metric.CODE
OPERATION_ATTRIBUTE = errors_metric.OPERATION
#: What a client is told about an exception nobody answered: never the exception's text.
UNEXPECTED_MESSAGE = "An unexpected error occurred"
#: The nearest code for a framework's own HTTP exception (an unknown route, ``abort(409)``).
_HTTP_CODES = {
    400: ErrorCode.INVALID_REQUEST,
    401: ErrorCode.AUTHENTICATION_ERROR,
    403: ErrorCode.AUTHORIZATION_ERROR,
    404: ErrorCode.RESOURCE_NOT_FOUND,
    429: ErrorCode.RATE_LIMIT,
    502: ErrorCode.EXTERNAL_SERVICE_ERROR,
    503: ErrorCode.SERVICE_UNAVAILABLE,
    504: ErrorCode.TIMEOUT,
}
_log = create_service_logger("huleedu_service_libs.error_handling")
_stdlib_log = logging.getLogger("huleedu_service_libs.error_handling")


def http_error_detail(status: int, message: str, service: str, operation: str) -> ErrorDetailLike:
    """The detail for a framework HTTP exception: its status kept, the nearest code."""
    code = _HTTP_CODES.get(status) or (
        ErrorCode.INVALID_REQUEST if status < 500 else ErrorCode.UNKNOWN_ERROR
    )
    return create_error_detail_with_context(code, message, service, operation, capture_stack=False)


def unexpected_detail(service: str, operation: str) -> ErrorDetailLike:
    return create_error_detail_with_context(
        ErrorCode.UNKNOWN_ERROR, UNEXPECTED_MESSAGE, service, operation, capture_stack=False
    )


def error_body(detail: ErrorDetailLike) -> dict[str, Any]:
    """``{"error": {...}}``: the platform's shape, plus ``trace_id`` to open the trace."""
    timestamp = getattr(detail, "timestamp", None)
    return {
        "error": {
            "code": code_value(detail.error_code),
            "message": redact_text(detail.message),
            "correlation_id": _correlation_text(detail),
            "service": detail.service,
            "operation": detail.operation,
            "timestamp": timestamp.isoformat() if timestamp is not None else None,
            "details": to_jsonable_python(redact_mapping(detail.details), fallback=str),
            "trace_id": getattr(detail, "trace_id", None) or _current_trace_id(),
        }
    }


def observe(detail: ErrorDetailLike, status: int, error: BaseException | None = None) -> None:
    """The answered error's span attributes, exception event, log line and count."""
    try:
        _mark_span(detail, status, error)
        _count(detail, status)
        _log_line(detail, status, error)
    except Exception:
        report_once(_stdlib_log, "error telemetry", "the error was answered without it")


def _mark_span(detail: ErrorDetailLike, status: int, error: BaseException | None) -> None:
    span = trace.get_current_span()
    if not span.is_recording():
        return
    code = code_value(detail.error_code)
    span.set_attribute(CODE_ATTRIBUTE, code)
    if status >= 500:
        span.set_attribute(ERROR_TYPE, code)
        span.set_status(Status(StatusCode.ERROR))
    recorded = error if error is not None else HuleEduError(detail)
    span.record_exception(recorded, attributes=exception_attributes(recorded), escaped=False)


def _count(detail: ErrorDetailLike, status: int) -> None:
    attributes: dict[str, str | int] = {
        CODE_ATTRIBUTE: code_value(detail.error_code),
        OPERATION_ATTRIBUTE: detail.operation,
        HTTP_RESPONSE_STATUS_CODE: status,
    }
    errors_metric.errors_counter().add(1, attributes)


def _log_line(detail: ErrorDetailLike, status: int, error: BaseException | None) -> None:
    fields = format_error_for_logging(detail)
    fields["error_message"] = redact_text(fields["error_message"])
    fields["status_code"] = status
    if status >= 500 and error is not None and not isinstance(error, HuleEduError):
        fields["exception_type"] = type(error).__qualname__
        fields["exception_message"] = safe_message(error)
        fields["exception_stacktrace"] = safe_stacktrace(error)
    if status >= 500:
        _log.error("Request answered with an error", **fields)
    else:
        _log.warning("Request answered with an error", **fields)


def _correlation_text(detail: ErrorDetailLike) -> str:
    """The id the request's logs carry, when it is the one this detail holds as a UUID."""
    bound = get_correlation_id()
    if bound and correlation_uuid(bound) == detail.correlation_id:
        return bound
    return str(detail.correlation_id)


def _current_trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format_trace_id(context.trace_id) if context.is_valid else None
