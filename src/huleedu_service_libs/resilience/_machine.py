"""The circuit breaker's rules, and nothing else: no I/O, no awaits, an injected clock.

Every method runs to completion without yielding to the event loop, so each state change is
atomic with respect to other tasks without any lock.

Calls are admitted with a *permit*: the machine's generation at admission. Every state change
starts a new generation, so a result that arrives after the state changed (a slow call admitted
while closed that succeeds after the breaker opened) is counted but cannot move the breaker.
Half-open admits at most ``half_open_max_calls`` probes at a time; a probe that ends without a
verdict (cancelled, or an exception that is not a failure) gives its place back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from huleedu_service_libs._shared.report_once import ReportOnce
from huleedu_service_libs.resilience._events import (
    BreakerEvent,
    BreakerListener,
    CallRecorded,
    CircuitBreakerState,
    StateChanged,
)

__all__ = ["BreakerRules", "BreakerStateMachine"]

_log = logging.getLogger(__name__)

CLOSED = CircuitBreakerState.CLOSED
OPEN = CircuitBreakerState.OPEN
HALF_OPEN = CircuitBreakerState.HALF_OPEN


class BreakerRules:
    """The thresholds, validated once."""

    __slots__ = (
        "failure_threshold",
        "half_open_max_calls",
        "recovery_timeout",
        "success_threshold",
    )

    def __init__(
        self,
        *,
        failure_threshold: int,
        recovery_timeout: float,
        success_threshold: int,
        half_open_max_calls: int | None = None,
    ) -> None:
        self.failure_threshold = _at_least_one("failure_threshold", failure_threshold)
        self.success_threshold = _at_least_one("success_threshold", success_threshold)
        self.half_open_max_calls = _at_least_one(
            "half_open_max_calls",
            success_threshold if half_open_max_calls is None else half_open_max_calls,
        )
        if recovery_timeout < 0:
            raise ValueError(f"recovery_timeout must not be negative, got {recovery_timeout}")
        self.recovery_timeout = recovery_timeout


def _at_least_one(name: str, value: int) -> int:
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


class BreakerStateMachine:
    """Admits calls and records their results; tells its listeners what happened."""

    __slots__ = (
        "__weakref__",
        "_blocked",
        "_clock",
        "_disabled",
        "_failed",
        "_failures",
        "_forced_open",
        "_generation",
        "_ignored",
        "_in_flight",
        "_listener_failure",
        "_listeners",
        "_opened_at",
        "_rules",
        "_state",
        "_succeeded",
        "_successes",
        "name",
    )

    def __init__(self, name: str, rules: BreakerRules, clock: Callable[[], float]) -> None:
        self.name = name
        self._rules = rules
        self._clock = clock
        self._listeners: tuple[BreakerListener, ...] = ()
        self._listener_failure = ReportOnce(
            _log, "circuit breaker %s: a listener failed; the call goes on", repeats=None
        )
        self._state = CLOSED
        self._generation = 0
        self._failures = 0
        self._successes = 0
        self._in_flight = 0
        self._opened_at = 0.0
        self._forced_open = False
        self._disabled = False
        # one immutable event per result, so recording a call allocates nothing
        self._succeeded = CallRecorded(name, "success")
        self._failed = CallRecorded(name, "failure")
        self._ignored = CallRecorded(name, "ignored")
        self._blocked = CallRecorded(name, "blocked")

    def subscribe(self, listener: BreakerListener) -> None:
        self._listeners = (*self._listeners, listener)

    # --- calls ---

    def admit(self) -> int | None:
        """The permit for a new call, or ``None`` when the call must not be attempted."""
        if self._state is CLOSED:
            return self._generation
        if self._state is OPEN and not self._recovery_due():
            self._emit(self._blocked)
            return None
        if self._state is OPEN:
            self._move_to(HALF_OPEN)
        if self._in_flight >= self._rules.half_open_max_calls:
            self._emit(self._blocked)
            return None
        self._in_flight += 1
        return self._generation

    def record_success(self, permit: int) -> None:
        self._emit(self._succeeded)
        if permit != self._generation:
            return
        if self._state is CLOSED:
            self._failures = 0
            return
        self._in_flight -= 1
        self._successes += 1
        if self._successes >= self._rules.success_threshold:
            self._move_to(CLOSED)

    def record_failure(self, permit: int) -> None:
        self._emit(self._failed)
        if permit != self._generation or self._disabled:
            return
        self._failures += 1
        if self._state is HALF_OPEN or self._failures >= self._rules.failure_threshold:
            self._move_to(OPEN)

    def record_ignored(self, permit: int) -> None:
        """The call ended without a verdict on the service's health: give its place back."""
        self._emit(self._ignored)
        if permit == self._generation and self._state is HALF_OPEN:
            self._in_flight -= 1

    # --- operators ---

    def force_open(self) -> None:
        """Refuse every call until :meth:`reset`, whatever the recovery timeout says."""
        self._disabled = False
        self._forced_open = True
        self._move_to(OPEN)

    def disable(self) -> None:
        """Let every call through and never trip, until :meth:`reset`."""
        self._forced_open = False
        self._disabled = True
        self._move_to(CLOSED)

    def reset(self) -> None:
        """Back to closed and automatic, with clean counters."""
        self._forced_open = False
        self._disabled = False
        self._move_to(CLOSED)

    # --- what it looks like ---

    @property
    def state(self) -> CircuitBreakerState:
        return self._state

    def snapshot(self) -> dict[str, object]:
        return {
            "name": self.name,
            "state": self._state.value,
            "failure_count": self._failures,
            "success_count": self._successes,
            "half_open_calls_in_flight": self._in_flight,
            "generation": self._generation,
            "forced_open": self._forced_open,
            "disabled": self._disabled,
            "failure_threshold": self._rules.failure_threshold,
            "success_threshold": self._rules.success_threshold,
            "half_open_max_calls": self._rules.half_open_max_calls,
            "recovery_timeout": self._rules.recovery_timeout,
            "seconds_until_half_open": self._seconds_until_half_open(),
        }

    # --- internals ---

    def _recovery_due(self) -> bool:
        if self._forced_open:
            return False
        return self._clock() - self._opened_at >= self._rules.recovery_timeout

    def _seconds_until_half_open(self) -> float | None:
        if self._state is not OPEN or self._forced_open:
            return None
        return max(0.0, self._opened_at + self._rules.recovery_timeout - self._clock())

    def _move_to(self, to_state: CircuitBreakerState) -> None:
        """Start a new generation in ``to_state``; results of older permits no longer count."""
        from_state = self._state
        self._state = to_state
        self._generation += 1
        self._failures = self._successes = self._in_flight = 0
        if to_state is OPEN:
            self._opened_at = self._clock()
        if from_state is not to_state:
            self._emit(StateChanged(self.name, from_state, to_state, self._generation))

    def _emit(self, event: BreakerEvent) -> None:
        """Tell every listener; one that raises never breaks the call (logged once per breaker)."""
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                self._listener_failure(self.name)
