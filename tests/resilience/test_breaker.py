"""``CircuitBreaker`` under asyncio: probes, cancellation, timeouts, classification, late calls."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.errors import CircuitBreakerError, HuleEduError
from huleedu_service_libs.resilience import CircuitBreaker, CircuitBreakerState
from tests.resilience._clock import ManualClock

CLOSED = CircuitBreakerState.CLOSED
OPEN = CircuitBreakerState.OPEN
HALF_OPEN = CircuitBreakerState.HALF_OPEN


async def _fail(exc: BaseException) -> None:
    raise exc


async def _sleep_forever() -> None:
    await asyncio.Event().wait()


async def _trip(breaker: CircuitBreaker, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(ConnectionError):
            await breaker.call(_fail, ConnectionError("down"))


async def _half_open(breaker: CircuitBreaker, clock: ManualClock) -> None:
    await _trip(breaker)
    clock.advance(breaker.get_state()["recovery_timeout"])


def _calls(otel: TelemetryCapture, name: str, result: str) -> float:
    return otel.metrics.value(
        "circuit_breaker.calls", result=result, **{"circuit_breaker.name": name}
    )


async def test_call_returns_the_result_and_passes_arguments_through() -> None:
    """A closed breaker is invisible: same arguments in, same value out."""
    breaker = CircuitBreaker(name="passthrough")

    async def add(a: int, *, b: int) -> int:
        return a + b

    assert await breaker.call(add, 2, b=3) == 5


async def test_the_seed_scenario_opens_after_the_threshold_and_refuses_the_next_call() -> None:
    """The seed's test: two failures at ``failure_threshold=2``, then ``CircuitBreakerError``."""
    breaker = CircuitBreaker(failure_threshold=2)
    await _trip(breaker, 2)
    with pytest.raises(CircuitBreakerError):
        await breaker.call(_sleep_forever)
    assert breaker.state == CircuitBreakerState.OPEN


async def test_a_refusal_is_one_of_our_errors_naming_the_breaker() -> None:
    """``CircuitBreakerError`` derives from ``HuleEduError`` and says which breaker refused."""
    breaker = CircuitBreaker(name="payments")
    breaker.force_open()
    with pytest.raises(HuleEduError, match="payments"):
        await breaker.call(_sleep_forever)


async def test_half_open_lets_only_the_probe_limit_through_among_1000_concurrent_callers(
    otel: TelemetryCapture,
) -> None:
    """1,000 callers arrive at once in half-open: two probes run, 998 are refused and counted."""
    clock = ManualClock()
    breaker = CircuitBreaker(
        failure_threshold=1, success_threshold=2, name="probe-1000", clock=clock
    )
    await _half_open(breaker, clock)
    release = asyncio.Event()
    started = 0

    async def probe() -> str:
        nonlocal started
        started += 1
        await release.wait()
        return "ok"

    tasks = [asyncio.create_task(breaker.call(probe)) for _ in range(1_000)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)

    assert started == 2
    assert results.count("ok") == 2
    assert sum(isinstance(r, CircuitBreakerError) for r in results) == 998
    assert _calls(otel, "probe-1000", "blocked") == 998
    assert breaker.state is CLOSED


async def test_a_cancelled_call_is_not_a_failure() -> None:
    """Cancelling a call in flight leaves the failure count alone, even at threshold one."""
    breaker = CircuitBreaker(failure_threshold=1, name="cancel-closed")
    task = asyncio.create_task(breaker.call(_sleep_forever))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert breaker.state is CLOSED
    assert breaker.get_state()["failure_count"] == 0


async def test_a_cancelled_probe_gives_its_half_open_place_back(otel: TelemetryCapture) -> None:
    """With one probe allowed, cancelling it lets the next caller probe; it is counted ignored."""
    clock = ManualClock()
    breaker = CircuitBreaker(
        failure_threshold=1, half_open_max_calls=1, name="cancel-probe", clock=clock
    )
    await _half_open(breaker, clock)
    probe = asyncio.create_task(breaker.call(_sleep_forever))
    await asyncio.sleep(0)
    with pytest.raises(CircuitBreakerError):
        await breaker.call(_sleep_forever)
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    assert await breaker.call(asyncio.sleep, 0, "ready") == "ready"
    assert _calls(otel, "cancel-probe", "ignored") == 1


async def test_an_outer_asyncio_timeout_is_a_cancellation_not_a_failure(
    otel: TelemetryCapture,
) -> None:
    """The caller's ``asyncio.timeout`` reaches the breaker as ``CancelledError``: not a failure."""
    breaker = CircuitBreaker(failure_threshold=1, name="outer-timeout")
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.01):
            await breaker.call(_sleep_forever)
    assert breaker.state is CLOSED
    assert _calls(otel, "outer-timeout", "failure") == 0
    assert _calls(otel, "outer-timeout", "ignored") == 1


async def test_an_outer_timeout_on_a_probe_gives_the_place_back() -> None:
    """A probe abandoned by its caller's deadline frees its place for the next probe."""
    clock = ManualClock()
    breaker = CircuitBreaker(
        failure_threshold=1, half_open_max_calls=1, name="outer-timeout-probe", clock=clock
    )
    await _half_open(breaker, clock)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.01):
            await breaker.call(_sleep_forever)
    assert breaker.state is HALF_OPEN
    assert breaker.get_state()["half_open_calls_in_flight"] == 0


async def test_the_breakers_own_call_timeout_is_a_failure(otel: TelemetryCapture) -> None:
    """``call_timeout`` expiring raises ``TimeoutError`` and counts as a failure."""
    breaker = CircuitBreaker(
        failure_threshold=1,
        expected_exception=ConnectionError,
        call_timeout=timedelta(milliseconds=10),
        name="own-timeout",
    )
    with pytest.raises(TimeoutError, match=r"'own-timeout': no result within 0\.01 s"):
        await breaker.call(_sleep_forever)
    assert breaker.state is OPEN
    assert _calls(otel, "own-timeout", "failure") == 1


async def test_a_timeout_error_raised_by_the_function_itself_follows_expected_exception() -> None:
    """Only the breaker's own deadline is always a failure; the function's TimeoutError is not."""
    breaker = CircuitBreaker(
        failure_threshold=1, expected_exception=ConnectionError, call_timeout=60, name="own-te"
    )
    with pytest.raises(TimeoutError):
        await breaker.call(_fail, TimeoutError("from the function"))
    assert breaker.state is CLOSED


async def test_a_call_that_breaks_before_awaiting_still_gives_its_probe_place_back() -> None:
    """Not even awaitable (a TypeError, ignored here): the half-open place is settled anyway."""
    clock = ManualClock()
    breaker = CircuitBreaker(
        failure_threshold=1,
        expected_exception=ConnectionError,
        half_open_max_calls=1,
        name="not-awaitable",
        clock=clock,
    )
    await _half_open(breaker, clock)
    with pytest.raises(TypeError):
        await breaker.call(lambda: None)  # type: ignore[arg-type,return-value]
    assert await breaker.call(asyncio.sleep, 0, "probe") == "probe"


async def test_within_the_call_timeout_the_result_comes_back() -> None:
    """A call that finishes in time is a plain success."""
    breaker = CircuitBreaker(call_timeout=60, name="in-time")
    assert await breaker.call(asyncio.sleep, 0, "done") == "done"


async def test_an_unexpected_exception_passes_through_and_is_counted_ignored(
    otel: TelemetryCapture,
) -> None:
    """A ``ValueError`` when only ``ConnectionError`` is expected: raised, ignored, no trip."""
    breaker = CircuitBreaker(failure_threshold=1, expected_exception=ConnectionError, name="ign")
    with pytest.raises(ValueError, match="bad input"):
        await breaker.call(_fail, ValueError("bad input"))
    assert breaker.state is CLOSED
    assert _calls(otel, "ign", "ignored") == 1


async def test_an_unexpected_exception_does_not_reset_the_failure_streak() -> None:
    """failure, ignored, failure: with ``failure_threshold=2`` the breaker opens."""
    breaker = CircuitBreaker(failure_threshold=2, expected_exception=ConnectionError, name="streak")
    await _trip(breaker)
    with pytest.raises(KeyError):
        await breaker.call(_fail, KeyError("not a failure"))
    await _trip(breaker)
    assert breaker.state is OPEN


async def test_expected_exception_accepts_a_tuple_of_types() -> None:
    """Any of several exception types can count as failures."""
    breaker = CircuitBreaker(failure_threshold=2, expected_exception=(ConnectionError, OSError))
    await _trip(breaker)
    with pytest.raises(OSError, match="disk"):
        await breaker.call(_fail, OSError("disk"))
    assert breaker.state is OPEN


async def test_a_late_success_from_before_the_breaker_opened_cannot_close_it() -> None:
    """A slow call admitted while closed succeeds after the breaker opened: it stays open."""
    clock = ManualClock()
    breaker = CircuitBreaker(failure_threshold=1, success_threshold=1, name="late", clock=clock)
    release = asyncio.Event()

    async def slow() -> str:
        await release.wait()
        return "late"

    slow_call = asyncio.create_task(breaker.call(slow))
    await asyncio.sleep(0)
    await _trip(breaker)
    release.set()
    assert await slow_call == "late"
    assert breaker.state is OPEN


async def test_force_open_refuses_calls_until_reset() -> None:
    """The operator switch holds past the recovery timeout; ``reset`` brings calls back."""
    clock = ManualClock()
    breaker = CircuitBreaker(recovery_timeout=1, name="forced", clock=clock)
    breaker.force_open()
    clock.advance(3_600)
    with pytest.raises(CircuitBreakerError):
        await breaker.call(_sleep_forever)
    breaker.reset()
    assert await breaker.call(asyncio.sleep, 0, 1) == 1


async def test_disable_keeps_the_breaker_closed_whatever_fails() -> None:
    """A disabled breaker passes errors through but never opens; ``reset`` re-arms it."""
    breaker = CircuitBreaker(failure_threshold=1, name="disabled")
    breaker.disable()
    await _trip(breaker, 3)
    assert breaker.get_state()["disabled"] is True
    assert breaker.state is CLOSED
    breaker.reset()
    await _trip(breaker)
    assert breaker.state is OPEN


async def test_a_tracer_wraps_each_call_in_a_breaker_span(otel: TelemetryCapture) -> None:
    """Given the seed's ``tracer``, every call gets a ``circuit_breaker {name}`` span."""
    tracer = otel.tracer_provider.get_tracer("test")
    breaker = CircuitBreaker(name="traced", tracer=tracer)
    await breaker.call(asyncio.sleep, 0)
    span = otel.span("circuit_breaker traced")
    assert (span.attributes or {})["circuit_breaker.name"] == "traced"


async def test_get_state_describes_name_state_and_counts() -> None:
    """``get_state`` is a plain dict for health endpoints."""
    breaker = CircuitBreaker(failure_threshold=3, name="described")
    await _trip(breaker)
    state = breaker.get_state()
    assert (
        state["name"],
        state["state"],
        state["failure_count"],
        state["failure_threshold"],
    ) == ("described", "closed", 1, 3)


def test_name_falls_back_to_service_name_then_a_default() -> None:
    """The seed's ``service_name`` names the breaker when ``name`` is not given."""
    assert [
        CircuitBreaker(name="explicit", service_name="essays").name,
        CircuitBreaker(service_name="essays").name,
        CircuitBreaker().name,
    ] == ["explicit", "essays", "circuit_breaker"]


def test_the_seeds_metrics_argument_is_accepted_with_a_deprecation_warning() -> None:
    """``metrics=`` (a Prometheus bridge in the seed) still constructs, and says it is unused."""
    with pytest.warns(DeprecationWarning, match="meter_provider"):
        CircuitBreaker(name="legacy", metrics=object())
