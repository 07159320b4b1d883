"""Resilience: a circuit breaker that is correct under concurrency, and ways to apply it.

::

    breaker = CircuitBreaker(failure_threshold=3, recovery_timeout=timedelta(seconds=30),
                             name="external_api")
    result = await breaker.call(external_api.fetch_data, user_id)

``@circuit_breaker(...)`` guards one coroutine function; ``make_resilient(client, breaker)``
guards every coroutine method of a client. A refused call raises ``CircuitBreakerError``.
``CircuitBreakerRegistry`` keeps a service's breakers by name for health endpoints.
"""

from huleedu_service_libs.errors import CircuitBreakerError
from huleedu_service_libs.resilience._breaker import CircuitBreaker
from huleedu_service_libs.resilience._decorator import circuit_breaker
from huleedu_service_libs.resilience._events import (
    BreakerEvent,
    BreakerListener,
    CallRecorded,
    CallResult,
    CircuitBreakerState,
    StateChanged,
)
from huleedu_service_libs.resilience._proxy import make_resilient
from huleedu_service_libs.resilience._registry import CircuitBreakerRegistry

__all__ = [
    "BreakerEvent",
    "BreakerListener",
    "CallRecorded",
    "CallResult",
    "CircuitBreaker",
    "CircuitBreakerError",
    "CircuitBreakerRegistry",
    "CircuitBreakerState",
    "StateChanged",
    "circuit_breaker",
    "make_resilient",
]
