"""Answering an error over HTTP, shared by the framework adapters: the detail, body, status.

A framework's HTTP exception gets the nearest code; an exception nobody answered gets
``UNKNOWN_ERROR`` and a generic message. The telemetry of an answer is ``_observe``'s.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import format_trace_id
from pydantic_core import to_jsonable_python

from huleedu_service_libs._shared.redaction import redact_mapping, redact_text
from huleedu_service_libs.correlation import get_correlation_id
from huleedu_service_libs.error_handling._codes import ErrorCode, ErrorCodeLike, code_value
from huleedu_service_libs.error_handling._context import (
    correlation_uuid,
    create_error_detail_with_context,
)
from huleedu_service_libs.error_handling._error import ErrorDetailLike
from huleedu_service_libs.error_handling._status import status_for

__all__ = [
    "KEPT_HEADERS",
    "UNEXPECTED_MESSAGE",
    "AnswerSettings",
    "error_body",
    "http_error_detail",
    "unexpected_detail",
]

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
#: Headers of an HTTP exception worth keeping on the JSON answer (``Allow`` on a 405, ...).
KEPT_HEADERS = frozenset({"allow", "retry-after", "www-authenticate"})


class AnswerSettings:
    """What ``register_error_handlers`` was given: a service's statuses and its name."""

    __slots__ = ("service_name", "statuses")

    def __init__(
        self, status_codes: Mapping[ErrorCodeLike, int] | None, service_name: str | None
    ) -> None:
        self.statuses = {code_value(code): status for code, status in (status_codes or {}).items()}
        self.service_name = (
            service_name or os.environ.get("OTEL_SERVICE_NAME") or os.environ.get("SERVICE_NAME")
        )

    def status(self, detail: ErrorDetailLike) -> int:
        return status_for(detail.error_code, self.statuses)


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


def _correlation_text(detail: ErrorDetailLike) -> str:
    """The id the request's logs carry, when it is the one this detail holds as a UUID."""
    bound = get_correlation_id()
    if bound and correlation_uuid(bound) == detail.correlation_id:
        return bound
    return str(detail.correlation_id)


def _current_trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format_trace_id(context.trace_id) if context.is_valid else None
