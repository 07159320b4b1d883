"""Observing an answered error through the OpenTelemetry API (telemetry contract, "Errors").

Once per answer: ``huleedu.error.code`` on the current span (the request's SERVER span); for
a 5xx also ``error.type`` = the code and status ERROR (4xx leave the status unset, as the HTTP
conventions say); one ``exception`` event with the safe message (and, for a 5xx, the safe
traceback); one structured log line (warning for 4xx, error for 5xx); one ``huleedu.errors``
count. Telemetry that fails is reported once and never changes the answer.
"""

from __future__ import annotations

import logging

from opentelemetry import trace
from opentelemetry.semconv.attributes.error_attributes import ERROR_TYPE
from opentelemetry.semconv.attributes.http_attributes import HTTP_RESPONSE_STATUS_CODE
from opentelemetry.trace import Status, StatusCode

from huleedu_service_libs._shared import errors_metric
from huleedu_service_libs._shared.exception_text import safe_message, safe_stacktrace
from huleedu_service_libs._shared.redaction import redact_text
from huleedu_service_libs._shared.report_once import report_once
from huleedu_service_libs.error_handling._codes import code_value
from huleedu_service_libs.error_handling._error import ErrorDetailLike, HuleEduError
from huleedu_service_libs.error_handling._logging import format_error_for_logging
from huleedu_service_libs.logging_utils import create_service_logger

__all__ = ["observe"]

_log = create_service_logger("huleedu_service_libs.error_handling")
_stdlib_log = logging.getLogger("huleedu_service_libs.error_handling")


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
    span.set_attribute(errors_metric.CODE, code)
    if status >= 500:
        span.set_attribute(ERROR_TYPE, code)
        span.set_status(Status(StatusCode.ERROR))
    span.add_event("exception", _exception_event(error, detail, status))


def _exception_event(
    error: BaseException | None, detail: ErrorDetailLike, status: int
) -> dict[str, str | bool]:
    """The ``exception`` event's attributes, built here rather than by ``record_exception``,
    which formats a raw traceback of its own (half the answer's cost) only to be overridden.
    A 4xx is the caller's mistake: its type and message say enough, without a traceback."""
    raised = error if error is not None else HuleEduError(detail)
    attributes: dict[str, str | bool] = {
        "exception.type": type(raised).__name__,
        "exception.message": safe_message(raised),
        "exception.escaped": False,
    }
    if status >= 500:
        attributes["exception.stacktrace"] = safe_stacktrace(raised)
    return attributes


def _count(detail: ErrorDetailLike, status: int) -> None:
    attributes: dict[str, str | int] = {
        errors_metric.CODE: code_value(detail.error_code),
        errors_metric.OPERATION: detail.operation,
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
