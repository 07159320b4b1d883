"""``CircuitBreaker``: the asyncio edge around the pure state machine.

``call`` asks the machine for a permit, awaits the function, and reports how it ended. Nothing
is held across the ``await``: the machine's bookkeeping happens before and after it, each step
atomic with respect to the event loop. How an ending is classified:

- a return: ``success``;
- an exception matching ``expected_exception``, or the breaker's own ``call_timeout`` expiring:
  ``failure``;
- any other exception: ``ignored`` (it passes through and neither trips nor heals the breaker);
- a cancellation (including an outer ``asyncio.timeout``, which reaches us as
  ``CancelledError``): ``ignored``, and a half-open probe gives its place back.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from opentelemetry import trace
from opentelemetry.metrics import MeterProvider

from huleedu_service_libs._shared.exception_text import exception_attributes
from huleedu_service_libs.errors import CircuitBreakerError
from huleedu_service_libs.resilience._events import BreakerListener, CircuitBreakerState
from huleedu_service_libs.resilience._machine import BreakerRules, BreakerStateMachine
from huleedu_service_libs.resilience._telemetry import NAME, BreakerTelemetry

__all__ = ["CircuitBreaker", "ExpectedException"]

P = ParamSpec("P")
R = TypeVar("R")
ExpectedException = type[Exception] | tuple[type[Exception], ...]


class CircuitBreaker:
    """Stops calling a failing dependency for a while, then lets a few probes see if it is back.

    ``name`` labels the telemetry (``circuit_breaker.name``); it defaults to ``service_name``
    (kept from the seed, where it labelled the metrics) and then to ``"circuit_breaker"``.
    ``tracer``, when given, wraps every call in an INTERNAL span ``circuit_breaker {name}``;
    without it the breaker adds no spans, only events on the caller's current span.
    ``meter_provider`` defaults to the global one. ``clock`` (monotonic seconds) is the seam
    tests use to move time. Use one breaker from one event loop.
    """

    def __init__(
        self,
        failure_threshold: int = 5,
        recovery_timeout: timedelta | float = timedelta(seconds=60),
        success_threshold: int = 2,
        expected_exception: ExpectedException = Exception,
        name: str | None = None,
        tracer: trace.Tracer | None = None,
        meter_provider: MeterProvider | None = None,
        service_name: str | None = None,
        *,
        call_timeout: timedelta | float | None = None,
        half_open_max_calls: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        metrics: object = None,
    ) -> None:
        if metrics is not None:
            _warn_metrics_ignored()
        rules = BreakerRules(
            failure_threshold=failure_threshold,
            recovery_timeout=_seconds(recovery_timeout),
            success_threshold=success_threshold,
            half_open_max_calls=half_open_max_calls,
        )
        self.name = name or service_name or "circuit_breaker"
        self._machine = BreakerStateMachine(self.name, rules, clock)
        self._machine.subscribe(BreakerTelemetry(self._machine, meter_provider).on_event)
        self._failure_types = (*_as_tuple(expected_exception), _CallTimedOut)
        self._call_timeout = None if call_timeout is None else _seconds(call_timeout)
        self._tracer = tracer
        self._span_name = f"circuit_breaker {self.name}"
        self._plain = tracer is None and call_timeout is None

    async def call(
        self, func: Callable[P, Awaitable[R]], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """Await ``func(*args, **kwargs)`` if admitted; else raise ``CircuitBreakerError``."""
        permit = self._machine.admit()
        if permit is None:
            raise CircuitBreakerError(f"circuit breaker {self.name!r} is {self.state.value}")
        try:
            if self._plain:
                result = await func(*args, **kwargs)
            else:
                result = await self._call_with_options(func, *args, **kwargs)
        except BaseException as exc:
            self._record_exception(permit, exc)
            raise
        self._machine.record_success(permit)
        return result

    async def _call_with_options(
        self, func: Callable[P, Awaitable[R]], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """The call inside the ``tracer``'s span and under ``call_timeout``, as configured."""
        if self._tracer is None:
            return await self._call_with_deadline(func, *args, **kwargs)
        with self._tracer.start_as_current_span(
            self._span_name,
            attributes={NAME: self.name},
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                return await self._call_with_deadline(func, *args, **kwargs)
            except Exception as exc:
                _mark_failed(span, exc)
                raise

    async def _call_with_deadline(
        self, func: Callable[P, Awaitable[R]], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        if self._call_timeout is None:
            return await func(*args, **kwargs)
        deadline = asyncio.timeout(self._call_timeout)
        try:
            async with deadline:
                return await func(*args, **kwargs)
        except TimeoutError as exc:
            if not deadline.expired():
                raise  # the function's own TimeoutError: classified like any other exception
            message = f"circuit breaker {self.name!r}: no result within {self._call_timeout} s"
            raise _CallTimedOut(message) from exc

    def _record_exception(self, permit: int, exc: BaseException) -> None:
        if not isinstance(exc, Exception):  # cancelled: no verdict, whatever expected_exception is
            self._machine.record_ignored(permit)
        elif isinstance(exc, self._failure_types):
            self._machine.record_failure(permit)
        else:
            self._machine.record_ignored(permit)

    @property
    def state(self) -> CircuitBreakerState:
        return self._machine.state

    def get_state(self) -> dict[str, Any]:
        """A snapshot for health endpoints and logs."""
        return self._machine.snapshot()

    def reset(self) -> None:
        """Close the breaker and forget its counts (also undoes ``force_open`` and ``disable``)."""
        self._machine.reset()

    def force_open(self) -> None:
        """Operator switch: refuse every call until :meth:`reset`."""
        self._machine.force_open()

    def disable(self) -> None:
        """Operator switch: let every call through and never trip until :meth:`reset`."""
        self._machine.disable()

    def subscribe(self, listener: BreakerListener) -> None:
        """Receive this breaker's events (``CallRecorded``, ``StateChanged``) as they happen."""
        self._machine.subscribe(listener)


class _CallTimedOut(TimeoutError):
    """The breaker's own ``call_timeout`` expired: always a failure, caught as ``TimeoutError``."""


def _as_tuple(expected: ExpectedException) -> tuple[type[Exception], ...]:
    return expected if isinstance(expected, tuple) else (expected,)


def _seconds(value: timedelta | float) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _warn_metrics_ignored() -> None:
    warnings.warn(
        "CircuitBreaker(metrics=...) is ignored: breaker metrics go through the OpenTelemetry "
        "meter provider (pass meter_provider=... to choose one)",
        DeprecationWarning,
        stacklevel=3,
    )


def _mark_failed(span: trace.Span, exc: Exception) -> None:
    """As the SDK would, but with the message made safe: a wrapped call's error may quote
    a DSN or, from a database, the statement and its values."""
    span.record_exception(exc, attributes=exception_attributes(exc))
    span.set_status(trace.Status(trace.StatusCode.ERROR, type(exc).__name__))
