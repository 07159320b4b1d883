"""``CircuitBreakerRegistry``: a service's breakers by name, for health endpoints and operators."""

from __future__ import annotations

from typing import Any

from huleedu_service_libs.resilience._breaker import CircuitBreaker

__all__ = ["CircuitBreakerRegistry"]


class CircuitBreakerRegistry:
    """Holds breakers by name; registering a name again replaces the breaker."""

    __slots__ = ("_breakers",)

    def __init__(self) -> None:
        self._breakers: dict[str, CircuitBreaker] = {}

    def register(self, name: str, breaker: CircuitBreaker) -> None:
        self._breakers[name] = breaker

    def get(self, name: str) -> CircuitBreaker | None:
        return self._breakers.get(name)

    def get_all_states(self) -> dict[str, dict[str, Any]]:
        """Each breaker's ``get_state()`` snapshot, by name (for ``/healthz``)."""
        return {name: breaker.get_state() for name, breaker in self._breakers.items()}

    def reset_all(self) -> None:
        """Close every breaker (an operator's recovery switch)."""
        for breaker in self._breakers.values():
            breaker.reset()

    def __len__(self) -> int:
        return len(self._breakers)

    def __contains__(self, name: object) -> bool:
        return name in self._breakers
