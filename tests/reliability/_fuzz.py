"""Hypothesis settings for the fuzzing tests: a fixed example budget, no timing checks.

The machines running the suite are shared and busy, so per-example deadlines and the
slow-generation health check would fail on load rather than on behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from hypothesis import HealthCheck, settings

F = TypeVar("F", bound=Callable[..., object])


def fuzz_settings(examples: int) -> Callable[[F], F]:
    """``examples`` generated inputs per test; fixtures reused across them on purpose."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
