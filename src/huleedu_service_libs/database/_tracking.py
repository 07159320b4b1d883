"""``query_performance_tracker``: time a repository method and give it a span.

Statements inside get their own CLIENT spans from the instrumentor; this span groups them under
the repository operation the service names (``create content``).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

from huleedu_service_libs.database._monitoring import DatabaseMetrics, repository_duration

P = ParamSpec("P")
R = TypeVar("R")

_tracer = trace.get_tracer("huleedu_service_libs.database")


def query_performance_tracker(
    metrics: DatabaseMetrics | Mapping[str, Any] | None,
    operation: str,
    table: str,
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Decorate an async repository method: one span and one duration per call.

    ``metrics`` is the handle from ``setup_database_monitoring``; anything else (the seed's
    metrics dict, ``None``) records through the global meter.
    """
    histogram = (
        metrics.query_duration if isinstance(metrics, DatabaseMetrics) else repository_duration()
    )
    attributes = {"db.operation.name": operation, "db.collection.name": table}

    def decorate(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(method)
        async def tracked(*args: P.args, **kwargs: P.kwargs) -> R:
            with _tracer.start_as_current_span(
                f"{operation} {table}", kind=SpanKind.INTERNAL, attributes=attributes
            ) as span:
                started = time.perf_counter()
                error: str | None = None
                try:
                    return await method(*args, **kwargs)
                except BaseException as exc:
                    error = type(exc).__qualname__
                    span.set_status(StatusCode.ERROR, error)
                    span.set_attribute("error.type", error)
                    raise
                finally:
                    elapsed = time.perf_counter() - started
                    histogram.record(elapsed, _with_error(attributes, error))

        return tracked

    return decorate


def _with_error(attributes: dict[str, str], error: str | None) -> dict[str, str]:
    return {**attributes, "error.type": error} if error else attributes
