"""``@circuit_breaker(...)``: a breaker around one coroutine function, its signature kept."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from opentelemetry import trace
from opentelemetry.metrics import MeterProvider

from huleedu_service_libs.protocols import CircuitBreakerProtocol
from huleedu_service_libs.resilience._breaker import CircuitBreaker, ExpectedException

__all__ = ["circuit_breaker"]

P = ParamSpec("P")
R = TypeVar("R")


def circuit_breaker(
    failure_threshold: int = 5,
    recovery_timeout: timedelta | float = timedelta(seconds=60),
    success_threshold: int = 2,
    expected_exception: ExpectedException = Exception,
    name: str | None = None,
    tracer: trace.Tracer | None = None,
    meter_provider: MeterProvider | None = None,
    *,
    call_timeout: timedelta | float | None = None,
    half_open_max_calls: int | None = None,
    breaker: CircuitBreakerProtocol | None = None,
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Coroutine[Any, Any, R]]]:
    """Guard a coroutine function with its own breaker (named after it), or with ``breaker``.

    Pass ``breaker`` to share one breaker between functions, or to keep a handle for
    ``get_state``/``force_open``/``reset``; the other arguments are then not used.
    """

    def decorate(func: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
        guard: CircuitBreakerProtocol = breaker or CircuitBreaker(
            failure_threshold,
            recovery_timeout,
            success_threshold,
            expected_exception,
            name or getattr(func, "__qualname__", None),
            tracer,
            meter_provider,
            call_timeout=call_timeout,
            half_open_max_calls=half_open_max_calls,
        )

        @functools.wraps(func)
        async def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            return await guard.call(func, *args, **kwargs)

        return guarded

    return decorate
