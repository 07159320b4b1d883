"""The correlation id of an HTTP request, as the platform's services read it.

``X-Correlation-ID`` first, then a ``correlation_id`` query parameter, else a generated id;
an incoming value is used only when the library's one acceptance rule (the Quart
instrumentor's) accepts it. Under the instrumentor the generated id is the one it already
bound for the request, so logs, spans, the echoed header and error responses share one id.
Works with Quart and FastAPI/Starlette requests (anything with ``headers`` and ``args`` or
``query_params``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from huleedu_service_libs import correlation as _bound
from huleedu_service_libs._shared import correlation_rule as _rule
from huleedu_service_libs.error_handling import _context as _ids

__all__ = [
    "CORRELATION_QUERY_PARAMETER",
    "CorrelationContext",
    "CorrelationSource",
    "HttpRequest",
    "extract_correlation_context_from_request",
]

CORRELATION_QUERY_PARAMETER = "correlation_id"
CorrelationSource = Literal["header", "query", "generated"]


@dataclass(frozen=True, slots=True)
class CorrelationContext:
    """The id as received (``original``), as a UUID (parsed, else UUIDv5 of it), and its source."""

    original: str
    uuid: uuid.UUID
    source: CorrelationSource


#: A Quart or Starlette request (both have ``headers.get``; ``args`` / ``query_params``).
HttpRequest: TypeAlias = Any


def extract_correlation_context_from_request(request: HttpRequest) -> CorrelationContext:
    """The request's correlation context: header, else query parameter, else generated."""
    header: str | None = request.headers.get(_bound.CORRELATION_HEADER)
    if header is not None and _rule.accepts(header):
        return _context(header, "header")
    query: str | None = _query(request).get(CORRELATION_QUERY_PARAMETER)
    if query is not None and _rule.accepts(query):
        return _context(query, "query")
    return _context(_bound.get_correlation_id() or _bound.new_correlation_id(), "generated")


def _context(original: str, source: CorrelationSource) -> CorrelationContext:
    return CorrelationContext(original, _ids.correlation_uuid(original), source)


def _query(request: object) -> Mapping[str, str]:
    """Quart's ``args`` or Starlette's ``query_params``."""
    found = getattr(request, "query_params", None)
    if found is None:
        found = getattr(request, "args", None)
    return found if found is not None else {}
