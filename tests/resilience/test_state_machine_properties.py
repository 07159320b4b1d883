"""Invariants of the state machine over arbitrary interleavings of calls, results and time."""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from huleedu_service_libs.resilience import CircuitBreakerState
from huleedu_service_libs.resilience import _machine as machine_module
from huleedu_service_libs.resilience._machine import BreakerRules, BreakerStateMachine
from tests.resilience._clock import ManualClock

# one step: an operation and, for a result, which outstanding permit it settles
OPERATIONS = ["admit", "success", "failure", "ignored", "wait"]
steps = st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 3)), max_size=60)


def _apply(
    machine: BreakerStateMachine, clock: ManualClock, permits: list[int], step: tuple[str, int]
) -> None:
    operation, which = step
    if operation == "admit":
        permit = machine.admit()
        if permit is not None:
            permits.append(permit)
    elif operation == "wait":
        clock.advance(10)
    elif permits:
        permit = permits.pop(-1 - which % len(permits))
        getattr(machine, f"record_{operation}")(permit)


@settings(derandomize=True, database=None, max_examples=300)
@given(st.booleans(), steps)
def test_probes_in_flight_stay_within_the_limit_and_counts_stay_consistent(
    start_half_open: bool, script: list[tuple[str, int]]
) -> None:
    """Any order: probes in flight = current permits out, within the limit; streaks in range."""
    clock = ManualClock()
    rules = BreakerRules(
        failure_threshold=2, recovery_timeout=10, success_threshold=2, half_open_max_calls=2
    )
    machine = BreakerStateMachine("prop", rules, clock)
    permits: list[int] = []
    prelude = [("admit", 0), ("admit", 0), ("failure", 0), ("failure", 0), ("wait", 0)]
    for step in [*(prelude if start_half_open else []), *script]:
        _apply(machine, clock, permits, step)
        state = machine.snapshot()
        assert 0 <= state["half_open_calls_in_flight"] <= 2  # type: ignore[operator]
        assert 0 <= state["failure_count"] < 2  # type: ignore[operator]
        assert 0 <= state["success_count"] < 2  # type: ignore[operator]
        probes = sum(p == state["generation"] for p in permits)
        if machine.state is not CircuitBreakerState.HALF_OPEN:
            probes = 0
        assert state["half_open_calls_in_flight"] == probes  # no place leaked or double-freed


def test_the_state_machine_never_awaits_and_takes_no_locks() -> None:
    """Atomic on the event loop by construction: no ``await``, no coroutine, no lock module."""
    tree = ast.parse(Path(machine_module.__file__).read_text())
    awaiting = [n for n in ast.walk(tree) if isinstance(n, ast.Await | ast.AsyncFunctionDef)]
    imported = {
        alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names
    } | {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert awaiting == []
    assert imported & {"asyncio", "threading"} == set()
