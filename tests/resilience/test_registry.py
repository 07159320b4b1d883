"""``CircuitBreakerRegistry``: a service's breakers by name."""

from __future__ import annotations

from datetime import timedelta

from huleedu_service_libs.resilience import (
    CircuitBreaker,
    CircuitBreakerRegistry,
    CircuitBreakerState,
)


def _breaker(name: str) -> CircuitBreaker:
    return CircuitBreaker(failure_threshold=2, recovery_timeout=timedelta(seconds=30), name=name)


def test_registered_breakers_are_found_by_name_and_replaced_on_reregistration() -> None:
    registry = CircuitBreakerRegistry()
    first, second = _breaker("nlp"), _breaker("nlp")
    registry.register("nlp", first)
    assert registry.get("nlp") is first
    registry.register("nlp", second)
    assert (registry.get("nlp"), len(registry), "nlp" in registry) == (second, 1, True)
    assert registry.get("missing") is None


def test_states_are_reported_by_name_and_reset_all_closes_every_breaker() -> None:
    registry = CircuitBreakerRegistry()
    nlp, content = _breaker("nlp"), _breaker("content")
    registry.register("nlp", nlp)
    registry.register("content", content)
    nlp.force_open()

    states = registry.get_all_states()
    assert set(states) == {"nlp", "content"}
    assert states["nlp"] == nlp.get_state()
    assert nlp.state is not CircuitBreakerState.CLOSED

    registry.reset_all()
    assert (nlp.state, content.state) == (CircuitBreakerState.CLOSED, CircuitBreakerState.CLOSED)
