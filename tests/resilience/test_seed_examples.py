"""The seed README's resilience examples, run as written (fakes stand in for outside services).

Deliberate differences: the decorator example talks to a fake instead of ``httpx`` (not a
dependency here), and the DI example's ``metrics=`` is accepted with a ``DeprecationWarning``
because breaker metrics now go through the OpenTelemetry meter provider.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol
from unittest.mock import AsyncMock

import pytest
from dishka import Provider, Scope, make_async_container, provide

from huleedu_service_libs.resilience import (
    CircuitBreaker,
    CircuitBreakerError,
    CircuitBreakerState,
    circuit_breaker,
    make_resilient,
)

logger = logging.getLogger("seed_example")


class ExternalApi:
    """The outside service of the direct-usage example: down after ``healthy_calls``."""

    def __init__(self, healthy_calls: int) -> None:
        self.healthy_calls = healthy_calls

    async def fetch_data(self, user_id: str) -> dict[str, str]:
        if self.healthy_calls <= 0:
            raise ConnectionError("external API down")
        self.healthy_calls -= 1
        return {"user_id": user_id, "source": "live"}


async def test_direct_usage_falls_back_to_the_cache_once_the_breaker_opens() -> None:
    """Seed "Direct Usage": after three failures the breaker answers, and the cache is used."""
    from huleedu_service_libs.resilience import CircuitBreaker

    breaker = CircuitBreaker(
        failure_threshold=3, recovery_timeout=timedelta(seconds=30), name="external_api"
    )
    external_api = ExternalApi(healthy_calls=1)
    cached_data = {"source": "cache"}

    async def handler(user_id: str) -> dict[str, str]:
        try:
            result = await breaker.call(external_api.fetch_data, user_id)
        except CircuitBreakerError:
            logger.error("Circuit breaker open for external API")
            return cached_data
        return result

    assert await handler("u1") == {"user_id": "u1", "source": "live"}
    for _ in range(3):
        with pytest.raises(ConnectionError):
            await handler("u1")
    assert await handler("u1") == cached_data


async def test_decorator_pattern_guards_the_service_call() -> None:
    """Seed "Decorator Pattern", with a fake in place of the ``httpx`` POST."""
    posted: list[dict[str, Any]] = []

    async def post_to_api(data: dict[str, Any]) -> dict[str, Any]:
        posted.append(data)
        raise ConnectionError("api.example.com unreachable")

    @circuit_breaker(failure_threshold=3, recovery_timeout=timedelta(seconds=30))
    async def call_external_service(data: dict):  # type: ignore[no-untyped-def,type-arg]
        return await post_to_api(data)

    for _ in range(3):
        with pytest.raises(ConnectionError):
            await call_external_service({"n": 1})
    with pytest.raises(CircuitBreakerError):
        await call_external_service({"n": 2})
    assert len(posted) == 3


class ExternalServiceProtocol(Protocol):
    async def lookup(self, key: str) -> str: ...


class ExternalServiceImpl:
    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.calls = 0

    async def lookup(self, key: str) -> str:
        self.calls += 1
        raise ConnectionError(f"no answer for {key}")


@dataclass
class Settings:
    API_KEY: str = "test-key"


@dataclass
class ServiceMetrics:
    circuit_breaker: object = None


class ExternalProvider(Provider):
    @provide(scope=Scope.APP)
    def provide_settings(self) -> Settings:
        return Settings()

    @provide(scope=Scope.APP)
    def provide_metrics(self) -> ServiceMetrics:
        return ServiceMetrics(circuit_breaker=object())

    # the seed's provider, as written
    @provide(scope=Scope.APP)
    async def provide_external_client(
        self, settings: Settings, metrics: ServiceMetrics
    ) -> ExternalServiceProtocol:
        client = ExternalServiceImpl(settings.API_KEY)
        breaker = CircuitBreaker(name="external_service", metrics=metrics.circuit_breaker)
        return make_resilient(client, breaker)


async def test_dependency_injection_provides_a_resilient_client() -> None:
    """Seed "With Dependency Injection" in dishka: the protocol-typed client trips its breaker."""
    container = make_async_container(ExternalProvider())
    try:
        with pytest.warns(DeprecationWarning, match="meter_provider"):
            client = await container.get(ExternalServiceProtocol)
        for _ in range(5):
            with pytest.raises(ConnectionError):
                await client.lookup("k")
        with pytest.raises(CircuitBreakerError):
            await client.lookup("k")
    finally:
        await container.close()


async def test_circuit_breaker_opens_on_failures() -> None:
    """The seed's "Circuit Breaker Testing" example, verbatim."""
    breaker = CircuitBreaker(failure_threshold=2)
    failing_func = AsyncMock(side_effect=Exception("Service down"))

    # First failure
    with pytest.raises(Exception):  # noqa: B017, PT011
        await breaker.call(failing_func)

    # Second failure opens circuit
    with pytest.raises(Exception):  # noqa: B017, PT011
        await breaker.call(failing_func)

    # Circuit is now open
    with pytest.raises(CircuitBreakerError):
        await breaker.call(failing_func)

    assert breaker.state == CircuitBreakerState.OPEN
