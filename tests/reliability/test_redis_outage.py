"""Redis outage: a test-owned redis-server killed (or hung) and brought back under a running load.

What must hold: every call made while the server is down fails with ``RedisUnavailableError``,
at once when it is killed and by the socket timeout when it hangs (the bound below is a hang
check, not a benchmark); the same ``RedisClient`` works again once the server is back, with no
call failing from then on; the idempotent consumer follows its policy; and a circuit breaker
around a Redis-backed call opens, then closes through a half-open probe. A restarted server is
empty (no persistence), as a replacement Redis would be.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs import (
    CircuitBreaker,
    CircuitBreakerError,
    CircuitBreakerState,
    EventEnvelope,
    IdempotencyStoreUnavailableError,
    RedisClient,
    RedisUnavailableError,
)
from huleedu_service_libs import redis_client as redis_client_module
from huleedu_service_libs.idempotency import idempotent_consumer
from tests import _services
from tests.messaging._records import envelope_record
from tests.reliability._loop_errors import loop_errors_reported
from tests.reliability._outage_load import (
    OutageLoad,
    failed,
    figures,
    report,
    succeeded,
    tasks_of,
)

pytestmark = pytest.mark.redis

#: A failing call must end within the client's 5 s socket timeout plus slack (a hang check).
FAILS_WITHIN_SECONDS = 6.0
TASKS = 16


def _set_and_get(client: RedisClient) -> Any:
    async def operation(n: int) -> None:
        key = f"outage:{n}"
        await client.setex(key, 60, str(n))
        assert str(n) == await client.get(key)

    return operation


async def test_every_call_fails_fast_and_typed_while_down_and_the_same_client_recovers(
    killable_client: RedisClient,
    killable_redis: _services.ServerProcess,
    redis_instrumented: None,
    otel: TelemetryCapture,
    request: pytest.FixtureRequest,
) -> None:
    """16 tasks SET/GET in a loop; the server is killed, then restarted on its port.

    Down: every call raises RedisUnavailableError (its cause a redis-py connection error),
    each one quickly, in every task, and each failed command's span carries ``error.type``.
    Back: from the restart on, no call fails, in any task, on the same client.
    """
    with loop_errors_reported() as loop_errors:
        async with OutageLoad(_set_and_get(killable_client), tasks=TASKS) as load:
            await load.until(lambda: len(succeeded(load.calls)) >= 100)
            killed = time.monotonic()
            killable_redis.stop()
            await load.until(lambda: tasks_of(failed(load.between(killed))) == set(range(TASKS)))
            restarting = time.monotonic()
            killable_redis.start()
            restarted = time.monotonic()
            await load.until(lambda: tasks_of(load.between(restarted)) == set(range(TASKS)))
    assert loop_errors == []
    down = [c for c in load.between(killed, restarting) if c.ended <= restarting]
    assert down
    assert succeeded(down) == []
    for call in failed(load.calls):
        assert isinstance(call.error, RedisUnavailableError)
        assert isinstance(call.error.__cause__, RedisConnectionError)
        assert call.seconds < FAILS_WITHIN_SECONDS
    assert failed(load.between(restarted)) == []
    attributes = [dict(s.attributes or {}) for s in otel.spans()]
    error_types = [a["error.type"] for a in attributes if "error.type" in a]
    assert set(error_types) == {"ConnectionError"}  # the huleedu_redis span of each failure
    assert len(error_types) >= len(failed(load.calls))
    report(request, time_to_error=figures(failed(down)), after=figures(load.between(restarted)))


async def test_after_a_restart_every_idle_pooled_connection_is_replaced_before_use(
    killable_client: RedisClient, killable_redis: _services.ServerProcess
) -> None:
    """20 connections sit idle in the pool when the server is killed and restarted: none is
    handed out dead, so 20 concurrent calls right after the restart all succeed. (redis-py 8
    skips this check by default; ``RedisClient`` switches it back on.)"""
    await asyncio.gather(*(killable_client.setex(f"outage:{n}", 60, "v") for n in range(20)))
    killable_redis.stop()  # the kernel has closed the server's ends when this returns
    for _ in range(3):  # a few loop iterations deliver those closes to the pooled connections
        await asyncio.sleep(0)
    killable_redis.start()
    results = await asyncio.gather(*(killable_client.get(f"outage:{n}") for n in range(20)),
                                   return_exceptions=True)  # fmt: skip
    assert results == [None] * 20  # the restarted server is empty, and every call worked


async def test_a_hung_server_times_every_call_out_as_unavailable_and_the_client_recovers(
    killable_redis: _services.ServerProcess,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    """The server stops answering (SIGSTOP) with connections open: only the client's socket
    timeout (1 s here, 5 s by default) ends each call. Every task's call fails with
    RedisUnavailableError caused by a timeout, none outlasts the bound, and once the server
    answers again the same client serves every call that starts after that."""
    monkeypatch.setattr(redis_client_module, "SOCKET_TIMEOUT_SECONDS", 1.0)
    client = RedisClient(client_id="hung", redis_url=f"redis://127.0.0.1:{killable_redis.port}/0")
    await client.start()
    try:
        async with OutageLoad(_set_and_get(client), tasks=8) as load:
            await load.until(lambda: len(succeeded(load.calls)) >= 50)
            frozen = time.monotonic()
            killable_redis.freeze()
            await load.until(lambda: tasks_of(failed(load.between(frozen))) == set(range(8)))
            killable_redis.thaw()
            thawed = time.monotonic()
            await load.until(lambda: len(load.between(thawed)) >= 50)
    finally:
        await client.stop()
    for call in failed(load.calls):
        assert isinstance(call.error, RedisUnavailableError)
        assert isinstance(call.error.__cause__, RedisTimeoutError)
        assert call.seconds < FAILS_WITHIN_SECONDS
    assert failed(load.between(thawed)) == []
    report(request, time_to_error=figures(failed(load.calls)))


def _record(serial: int) -> Any:
    return envelope_record(EventEnvelope(event_type="E", source_service="s", data={"n": serial}))


def _outcomes(otel: TelemetryCapture) -> dict[str, float]:
    outcomes = ("processed", "duplicate", "in_progress", "released", "store_unavailable")
    found = {o: otel.metrics.value("idempotency.messages", outcome=o) for o in outcomes}
    return {o: v for o, v in found.items() if v}


async def _deliver_concurrently(handler: Any, records: list[Any]) -> list[BaseException | None]:
    """Deliver ``records`` at once; the error of each delivery, or ``None``."""
    results = await asyncio.gather(*(handler(r) for r in records), return_exceptions=True)
    return [r if isinstance(r, BaseException) else None for r in results]


async def test_fail_open_consumer_keeps_processing_and_counts_the_outage(
    killable_client: RedisClient, killable_redis: _services.ServerProcess, otel: TelemetryCapture
) -> None:
    """fail_open (the default): while Redis is down every delivery still runs its handler,
    without deduplication, and is counted ``store_unavailable``; after the restart the store
    dedupes again (its Lua scripts are reloaded into the empty server by themselves)."""
    handled: list[int] = []

    @idempotent_consumer(redis_client=killable_client, namespace=uuid.uuid4().hex)
    async def handle(msg: Any) -> None:
        handled.append(EventEnvelope[dict[str, int]].model_validate_json(msg.value).data["n"])

    assert await _deliver_concurrently(handle, [_record(n) for n in range(10)]) == [None] * 10
    killable_redis.stop()
    assert await _deliver_concurrently(handle, [_record(n) for n in range(10, 20)]) == [None] * 10
    killable_redis.start()
    after = [_record(n) for n in range(20, 30)]
    assert await _deliver_concurrently(handle, after) == [None] * 10
    assert await _deliver_concurrently(handle, after) == [None] * 10  # redelivered: skipped
    assert list(range(30)) == sorted(handled)
    assert _outcomes(otel) == {"processed": 20, "store_unavailable": 10, "duplicate": 10}


async def test_fail_closed_consumer_refuses_during_the_outage_and_loses_nothing(
    killable_client: RedisClient, killable_redis: _services.ServerProcess, otel: TelemetryCapture
) -> None:
    """fail_open=False: while Redis is down each delivery raises IdempotencyStoreUnavailableError
    and the handler does not run, so the message stays uncommitted. Redelivered after the
    restart, each is processed exactly once; a further redelivery is skipped as a duplicate."""
    handled: list[int] = []

    @idempotent_consumer(redis_client=killable_client, namespace=uuid.uuid4().hex, fail_open=False)
    async def handle(msg: Any) -> None:
        handled.append(EventEnvelope[dict[str, int]].model_validate_json(msg.value).data["n"])

    refused = [_record(n) for n in range(10)]
    killable_redis.stop()
    started = time.monotonic()
    errors = await _deliver_concurrently(handle, refused)
    assert time.monotonic() - started < FAILS_WITHIN_SECONDS
    assert all(isinstance(e, IdempotencyStoreUnavailableError) for e in errors)
    assert all(isinstance(e and e.__cause__, RedisUnavailableError) for e in errors)
    assert handled == []
    killable_redis.start()
    assert await _deliver_concurrently(handle, refused) == [None] * 10
    assert await _deliver_concurrently(handle, refused) == [None] * 10
    assert list(range(10)) == sorted(handled)
    assert _outcomes(otel) == {"store_unavailable": 10, "processed": 10, "duplicate": 10}


async def test_a_breaker_around_redis_opens_during_the_outage_and_closes_after_it(
    killable_client: RedisClient,
    killable_redis: _services.ServerProcess,
    otel: TelemetryCapture,
    request: pytest.FixtureRequest,
) -> None:
    """8 tasks call GET through a breaker (3 failures trip it, 0.2 s until a half-open probe,
    2 successes close it). Down: failures trip it and further calls are refused with
    CircuitBreakerError without reaching Redis. Back: a probe half-opens it, successes close
    it, and no call fails from then on. Every transition and call result is in the metrics."""
    name = f"redis-{uuid.uuid4().hex[:8]}"
    breaker = CircuitBreaker(failure_threshold=3, recovery_timeout=0.2, success_threshold=2,
                             expected_exception=RedisUnavailableError, name=name)  # fmt: skip

    async def guarded_get(n: int) -> None:
        await breaker.call(killable_client.get, f"outage:{n}")

    async with OutageLoad(guarded_get, tasks=8) as load:
        await load.until(lambda: len(succeeded(load.calls)) >= 50)
        killed = time.monotonic()
        killable_redis.stop()
        await load.until(lambda: _count(load.between(killed), CircuitBreakerError) >= 50)
        restarting = time.monotonic()
        killable_redis.start()
        await load.until(lambda: breaker.state is CircuitBreakerState.CLOSED)
        closed = time.monotonic()
        await load.until(lambda: len(load.between(closed)) >= 50)
    assert failed(load.between(closed)) == []
    refused = _count(load.calls, CircuitBreakerError)
    unavailable = _count(load.calls, RedisUnavailableError)
    assert refused + unavailable == len(failed(load.calls))
    assert all(c.seconds < FAILS_WITHIN_SECONDS for c in failed(load.calls))
    assert _calls(otel, name, "success") == len(succeeded(load.calls))
    assert _calls(otel, name, "failure") == unavailable
    assert _calls(otel, name, "blocked") == refused
    assert _transitions(otel, name, "closed", "open") == 1
    assert _transitions(otel, name, "open", "half_open") >= 1
    assert _transitions(otel, name, "half_open", "closed") == 1
    assert otel.metrics.value("circuit_breaker.state", **{"circuit_breaker.name": name}) == 0
    blocked = [c for c in load.calls if isinstance(c.error, CircuitBreakerError)]
    report(request, blocked=figures(blocked), restart_to_closed=f"{closed - restarting:.3f} s")


def _count(calls: list[Any], error: type[BaseException]) -> int:
    return sum(isinstance(call.error, error) for call in calls)


def _calls(otel: TelemetryCapture, name: str, result: str) -> float:
    return otel.metrics.value(
        "circuit_breaker.calls", result=result, **{"circuit_breaker.name": name}
    )


def _transitions(otel: TelemetryCapture, name: str, from_state: str, to_state: str) -> float:
    return otel.metrics.value(
        "circuit_breaker.state_transitions",
        from_state=from_state,
        to_state=to_state,
        **{"circuit_breaker.name": name},
    )


@pytest.mark.slow
async def test_soak_kills_and_hangs_in_turn_never_leave_a_call_failing_after_recovery(
    killable_client: RedisClient,
    killable_redis: _services.ServerProcess,
    request: pytest.FixtureRequest,
) -> None:
    """Six faults in a row under the 16-task load, a kill (then a restart on the port) and a
    hang (SIGSTOP, the default 5 s socket timeout, then SIGCONT) in turn. Every failure is a
    RedisUnavailableError within the bound; after each recovery every task succeeds again and
    no call fails unless the next fault catches it in flight; the loop reports nothing."""
    phases: list[tuple[float, float]] = []  # (fault, recovered) per cycle
    with loop_errors_reported() as loop_errors:
        async with OutageLoad(_set_and_get(killable_client), tasks=TASKS) as load:
            for cycle in range(6):
                phases.append(await _fault_and_recover(load, killable_redis, hang=cycle % 2 == 1))
    assert loop_errors == []
    for call in failed(load.calls):
        assert isinstance(call.error, RedisUnavailableError)
        assert call.seconds < FAILS_WITHIN_SECONDS
    next_faults = [fault for fault, _ in phases[1:]] + [float("inf")]
    for (_, recovered), next_fault in zip(phases, next_faults, strict=True):
        healthy = failed(load.between(recovered, next_fault))
        assert [c for c in healthy if c.ended < next_fault] == []  # only the next fault's victims
    report(request, time_to_error=figures(failed(load.calls)), calls=figures(load.calls))


async def _fault_and_recover(
    load: OutageLoad, server: _services.ServerProcess, *, hang: bool
) -> tuple[float, float]:
    """One fault: every task fails at least once, then the server is back, every task has
    succeeded again and the load ran healthy for a while. Returns when the fault began and
    when the server was back."""
    fault = time.monotonic()
    server.freeze() if hang else server.stop()
    await load.until(lambda: tasks_of(failed(load.between(fault))) == set(range(TASKS)))
    server.thaw() if hang else server.start()
    recovered = time.monotonic()
    await load.until(lambda: tasks_of(succeeded(load.between(recovered))) == set(range(TASKS)))
    await load.until(lambda: len(succeeded(load.between(recovered))) >= 50 * TASKS)
    return fault, recovered
