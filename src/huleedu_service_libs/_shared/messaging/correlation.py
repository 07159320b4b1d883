"""The correlation id travels beside the trace context, in an ``X-Correlation-ID`` header.

The producer side writes it (the envelope's, or the one bound for the current request); the
process span reads it, sets ``huleedu.correlation_id`` and binds it while the handler runs, so
the handler's log lines carry the id of the request that caused the event.
"""

from __future__ import annotations

from collections.abc import MutableSequence
from typing import Any

from huleedu_service_libs._shared.correlation_rule import accepts
from huleedu_service_libs._shared.messaging.carrier import header_getter, header_setter
from huleedu_service_libs.correlation import CORRELATION_HEADER

SPAN_ATTRIBUTE = "huleedu.correlation_id"


def add_correlation_header(
    headers: MutableSequence[tuple[str, bytes]], correlation_id: str | None
) -> None:
    """Add the id unless there is none or the caller already set the header."""
    if correlation_id and header_getter.get(headers, CORRELATION_HEADER) is None:
        header_setter.set(headers, CORRELATION_HEADER, correlation_id)


def correlation_from(headers: Any) -> str | None:
    """The record's correlation id, or ``None`` when it has none that passes the rule."""
    found = header_getter.get(headers or (), CORRELATION_HEADER)
    return found[0] if found and accepts(found[0]) else None
