"""The pure state machine: transitions, generations and probe limits, driven by a manual clock."""

from __future__ import annotations

import pytest

from huleedu_service_libs.resilience import (
    BreakerEvent,
    CallRecorded,
    CircuitBreakerState,
    StateChanged,
)
from huleedu_service_libs.resilience._machine import BreakerRules, BreakerStateMachine
from tests.resilience._clock import ManualClock

CLOSED = CircuitBreakerState.CLOSED
OPEN = CircuitBreakerState.OPEN
HALF_OPEN = CircuitBreakerState.HALF_OPEN


def _machine(
    clock: ManualClock,
    *,
    failures: int = 2,
    successes: int = 2,
    recovery: float = 30.0,
    half_open_max_calls: int | None = None,
) -> tuple[BreakerStateMachine, list[BreakerEvent]]:
    rules = BreakerRules(
        failure_threshold=failures,
        recovery_timeout=recovery,
        success_threshold=successes,
        half_open_max_calls=half_open_max_calls,
    )
    machine = BreakerStateMachine("svc", rules, clock)
    events: list[BreakerEvent] = []
    machine.subscribe(events.append)
    return machine, events


def _fail(machine: BreakerStateMachine, times: int) -> None:
    for _ in range(times):
        permit = machine.admit()
        assert permit is not None
        machine.record_failure(permit)


def _transitions(events: list[BreakerEvent]) -> list[tuple[str, str]]:
    return [(e.from_state.value, e.to_state.value) for e in events if isinstance(e, StateChanged)]


def _open_then_wait(clock: ManualClock, **kwargs: int) -> BreakerStateMachine:
    machine, _ = _machine(clock, **kwargs)
    _fail(machine, 2)
    clock.advance(30)
    return machine


def test_consecutive_failures_up_to_the_threshold_open_the_breaker() -> None:
    """``failure_threshold`` failures in a row open it; one fewer does not."""
    machine, events = _machine(ManualClock(), failures=3)
    _fail(machine, 2)
    assert machine.state is CLOSED
    _fail(machine, 1)
    assert machine.state is OPEN
    assert _transitions(events) == [("closed", "open")]


def test_a_success_resets_the_failure_streak() -> None:
    """Failures must be consecutive: a success in between starts the count again."""
    machine, _ = _machine(ManualClock(), failures=2)
    _fail(machine, 1)
    permit = machine.admit()
    assert permit is not None
    machine.record_success(permit)
    _fail(machine, 1)
    assert machine.state is CLOSED


def test_an_ignored_result_neither_counts_nor_resets_the_streak() -> None:
    """An ignored outcome between two failures still lets the second one trip the breaker."""
    machine, _ = _machine(ManualClock(), failures=2)
    _fail(machine, 1)
    permit = machine.admit()
    assert permit is not None
    machine.record_ignored(permit)
    assert machine.snapshot()["failure_count"] == 1
    _fail(machine, 1)
    assert machine.state is OPEN


def test_open_blocks_until_the_recovery_timeout_has_passed() -> None:
    """Before the timeout every call is refused; at the timeout the first call becomes a probe."""
    clock = ManualClock()
    machine, events = _machine(clock)
    _fail(machine, 2)
    clock.advance(29.999)
    assert machine.admit() is None
    clock.advance(0.001)
    assert machine.admit() is not None
    assert machine.state is HALF_OPEN
    assert CallRecorded("svc", "blocked") in events


def test_half_open_admits_at_most_success_threshold_probes_by_default() -> None:
    """With ``success_threshold=2`` two probes run at once; the third caller is blocked."""
    machine = _open_then_wait(ManualClock(), successes=2)
    assert [machine.admit() is not None for _ in range(3)] == [True, True, False]


def test_half_open_max_calls_overrides_the_probe_limit() -> None:
    """``half_open_max_calls`` sets the limit independently of ``success_threshold``."""
    machine = _open_then_wait(ManualClock(), successes=2, half_open_max_calls=1)
    assert [machine.admit() is not None for _ in range(2)] == [True, False]


def test_enough_probe_successes_close_the_breaker() -> None:
    """``success_threshold`` successful probes close it again."""
    machine = _open_then_wait(ManualClock(), successes=2)
    permits = [machine.admit(), machine.admit()]
    for permit in permits:
        assert permit is not None
        machine.record_success(permit)
    assert machine.state is CLOSED


def test_a_probe_failure_reopens_the_breaker_and_restarts_the_timeout() -> None:
    """One failed probe is enough to open again, for a whole new recovery timeout."""
    clock = ManualClock()
    machine = _open_then_wait(clock)
    permit = machine.admit()
    assert permit is not None
    machine.record_failure(permit)
    assert machine.state is OPEN
    clock.advance(29)
    assert machine.admit() is None


def test_an_ignored_probe_gives_its_place_back() -> None:
    """A probe that ends without a verdict (cancelled, ignored) frees a place for another."""
    machine = _open_then_wait(ManualClock(), half_open_max_calls=1)
    permit = machine.admit()
    assert permit is not None
    assert machine.admit() is None
    machine.record_ignored(permit)
    assert machine.admit() is not None


def test_a_late_success_from_an_earlier_generation_cannot_close_an_open_breaker() -> None:
    """A call admitted while closed that succeeds after the breaker opened changes nothing."""
    machine, events = _machine(ManualClock())
    slow_permit = machine.admit()
    assert slow_permit is not None
    _fail(machine, 2)
    machine.record_success(slow_permit)
    machine.record_success(slow_permit)
    assert machine.state is OPEN
    assert CallRecorded("svc", "success") in events


def test_a_late_success_cannot_count_as_a_half_open_probe() -> None:
    """Half-open only counts results of the probes it admitted, not of older calls."""
    clock = ManualClock()
    machine, _ = _machine(clock, successes=1)
    slow_permit = machine.admit()
    assert slow_permit is not None
    _fail(machine, 2)
    clock.advance(30)
    assert machine.admit() is not None
    machine.record_success(slow_permit)
    assert machine.state is HALF_OPEN


def test_a_late_failure_from_an_earlier_generation_cannot_reopen_a_closed_breaker() -> None:
    """Failures of calls admitted before the breaker closed do not count against the new run."""
    clock = ManualClock()
    machine, _ = _machine(clock, failures=1, successes=1, half_open_max_calls=2)
    _fail(machine, 1)
    clock.advance(30)
    probe, late = machine.admit(), machine.admit()
    assert probe is not None
    assert late is not None
    machine.record_success(probe)
    machine.record_failure(late)
    assert machine.state is CLOSED


def test_force_open_holds_past_the_recovery_timeout_until_reset() -> None:
    """An operator's ``force_open`` refuses calls however long it lasts; ``reset`` undoes it."""
    clock = ManualClock()
    machine, events = _machine(clock)
    machine.force_open()
    clock.advance(10_000)
    assert machine.admit() is None
    machine.reset()
    assert machine.admit() is not None
    assert _transitions(events) == [("closed", "open"), ("open", "closed")]


def test_disable_lets_everything_through_without_tripping_until_reset() -> None:
    """A disabled breaker records calls but never opens; ``reset`` returns to automatic."""
    machine, events = _machine(ManualClock(), failures=1)
    machine.disable()
    _fail(machine, 5)
    assert machine.state is CLOSED
    assert sum(1 for e in events if e == CallRecorded("svc", "failure")) == 5
    machine.reset()
    _fail(machine, 1)
    assert machine.state is OPEN


def test_a_listener_that_raises_does_not_break_the_machine(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A broken subscriber is logged once; the machine keeps counting and tripping."""
    machine, _ = _machine(ManualClock())

    def broken(event: BreakerEvent) -> None:
        raise RuntimeError("subscriber bug")

    machine.subscribe(broken)
    _fail(machine, 2)
    assert machine.state is OPEN
    assert sum("listener" in r.getMessage() for r in caplog.records) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("failure_threshold", 0), ("success_threshold", 0), ("half_open_max_calls", 0)],
)
def test_rules_reject_thresholds_below_one(field: str, value: int) -> None:
    """A threshold of zero would make the breaker trip or close on nothing."""
    arguments = {"failure_threshold": 1, "success_threshold": 1, "recovery_timeout": 1.0}
    with pytest.raises(ValueError, match=field):
        BreakerRules(**{**arguments, field: value})  # type: ignore[arg-type]


def test_snapshot_reports_time_left_until_half_open() -> None:
    """``get_state`` tells an operator when the next probe will be allowed."""
    clock = ManualClock()
    machine, _ = _machine(clock)
    _fail(machine, 2)
    clock.advance(10)
    assert machine.snapshot()["seconds_until_half_open"] == 20.0
