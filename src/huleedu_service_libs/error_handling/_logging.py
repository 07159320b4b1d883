"""``format_error_for_logging``: an error detail as structlog fields."""

from __future__ import annotations

from typing import Any

from huleedu_service_libs._shared.redaction import redact_mapping
from huleedu_service_libs.error_handling._codes import code_value
from huleedu_service_libs.error_handling._error import ErrorDetailLike

__all__ = ["format_error_for_logging"]


def format_error_for_logging(error_detail: ErrorDetailLike) -> dict[str, Any]:
    """Fields for ``logger.error("...", **fields)``; secret-looking details are masked.

    The stack trace is left out: inside a span the log line already carries ``trace_id`` and
    ``span_id``, and the trace holds the exception event.
    """
    timestamp = getattr(error_detail, "timestamp", None)
    fields: dict[str, Any] = {
        "error_code": code_value(error_detail.error_code),
        "error_message": error_detail.message,
        "correlation_id": str(error_detail.correlation_id),
        "service": error_detail.service,
        "operation": error_detail.operation,
        "timestamp": timestamp.isoformat() if timestamp is not None else None,
    }
    for name in ("trace_id", "span_id"):
        value = getattr(error_detail, name, None)
        if value is not None:
            fields[f"error_{name}"] = value
    if error_detail.details:
        fields["error_details"] = redact_mapping(error_detail.details)
    return fields
