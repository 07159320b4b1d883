"""``@circuit_breaker``: one breaker per decorated function, the function's signature kept."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.errors import CircuitBreakerError
from huleedu_service_libs.resilience import CircuitBreaker, CircuitBreakerState, circuit_breaker


@circuit_breaker(failure_threshold=1, recovery_timeout=timedelta(seconds=30))
async def fetch_profile(user_id: str, *, include_avatar: bool = False) -> dict[str, object]:
    """Look a user up."""
    if user_id == "broken":
        raise ConnectionError("profile service down")
    return {"id": user_id, "avatar": include_avatar}


async def test_the_decorated_function_keeps_its_name_doc_and_signature() -> None:
    """``functools.wraps`` plus ``ParamSpec``: introspection sees the original function."""
    assert (fetch_profile.__name__, fetch_profile.__doc__) == ("fetch_profile", "Look a user up.")
    assert str(inspect.signature(fetch_profile)) == (
        "(user_id: 'str', *, include_avatar: 'bool' = False) -> 'dict[str, object]'"
    )
    assert inspect.iscoroutinefunction(fetch_profile)


async def test_each_decorated_function_trips_its_own_breaker() -> None:
    """A failing function opens its breaker; a second decorated function is unaffected."""

    @circuit_breaker(failure_threshold=1)
    async def flaky() -> None:
        raise ConnectionError("down")

    @circuit_breaker(failure_threshold=1)
    async def healthy() -> str:
        return "fine"

    with pytest.raises(ConnectionError):
        await flaky()
    with pytest.raises(CircuitBreakerError):
        await flaky()
    assert await healthy() == "fine"


async def test_arguments_and_results_pass_through() -> None:
    """Positional and keyword arguments reach the function; its value comes back."""
    assert await fetch_profile("u1", include_avatar=True) == {"id": "u1", "avatar": True}


async def test_a_shared_breaker_guards_several_functions_and_stays_reachable() -> None:
    """``breaker=`` shares one breaker and leaves a handle for ``get_state``/``force_open``."""
    shared = CircuitBreaker(failure_threshold=1, name="shared")

    @circuit_breaker(breaker=shared)
    async def read() -> str:
        return "read"

    @circuit_breaker(breaker=shared)
    async def write() -> None:
        raise ConnectionError("down")

    with pytest.raises(ConnectionError):
        await write()
    with pytest.raises(CircuitBreakerError):
        await read()
    assert shared.state is CircuitBreakerState.OPEN


async def test_the_default_breaker_is_named_after_the_function(otel: TelemetryCapture) -> None:
    """Without ``name``, the function's qualified name labels the breaker's telemetry."""
    await fetch_profile("u2")
    assert (
        otel.metrics.value("circuit_breaker.calls", **{"circuit_breaker.name": "fetch_profile"})
        == 1
    )
