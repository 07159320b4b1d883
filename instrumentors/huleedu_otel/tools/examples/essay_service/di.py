"""Dependency injection, as the seed's Integration Patterns recommend (dishka, APP scope).

The outbox comes from the library's ``OutboxProvider``, next to this provider.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from huleedu_otel.tools.examples.essay_service.grader import (
    FlakyGrader,
    GraderProtocol,
    GraderUnavailableError,
)
from huleedu_otel.tools.examples.essay_service.settings import Settings
from huleedu_service_libs import KafkaBus, RedisClient
from huleedu_service_libs.protocols import KafkaPublisherProtocol, RedisClientProtocol
from huleedu_service_libs.resilience import CircuitBreaker, make_resilient


class EssayServiceProvider(Provider):
    """Clients are started when first needed and stopped when the container closes."""

    def __init__(self, settings: Settings, grader: FlakyGrader, engine: AsyncEngine) -> None:
        super().__init__()
        self._settings = settings
        self._grader = grader
        self._engine = engine

    @provide(scope=Scope.APP)
    def engine(self) -> AsyncEngine:
        """The app's engine, for the outbox (``OutboxProvider`` asks for it)."""
        return self._engine

    @provide(scope=Scope.APP)
    def settings(self) -> Settings:
        return self._settings

    @provide(scope=Scope.APP)
    async def kafka_bus(self, settings: Settings) -> AsyncIterator[KafkaPublisherProtocol]:
        bus = KafkaBus(
            client_id=f"{settings.SERVICE_NAME}-producer",
            bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
            enable_idempotence=settings.KAFKA_IDEMPOTENCE,
        )
        await bus.start()
        yield bus
        await bus.stop()

    @provide(scope=Scope.APP)
    async def redis_client(self, settings: Settings) -> AsyncIterator[RedisClientProtocol]:
        client = RedisClient(
            client_id=f"{settings.SERVICE_NAME}-redis", redis_url=settings.REDIS_URL
        )
        await client.start()
        yield client
        await client.stop()

    @provide(scope=Scope.APP)
    def grader(self, settings: Settings) -> GraderProtocol:
        breaker = CircuitBreaker(
            failure_threshold=3,
            recovery_timeout=timedelta(seconds=settings.GRADER_RECOVERY_SECONDS),
            success_threshold=1,
            expected_exception=GraderUnavailableError,
            name="grader-api",
        )
        return make_resilient(self._grader, breaker)
