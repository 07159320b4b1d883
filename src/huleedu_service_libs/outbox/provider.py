"""``OutboxProvider``: the outbox wired by dishka, for services that build their clients by DI.

It needs an ``AsyncEngine`` and a ``KafkaPublisherProtocol`` from the service's own provider
and gives, at APP scope, the repository (also as ``OutboxRepositoryProtocol``), the
``OutboxManager`` and a started ``EventRelayWorker`` that stops when the container closes
(before the bus it publishes through)::

    container = make_async_container(ServiceProvider(), OutboxProvider("essay-service"))
    relay = await container.get(EventRelayWorker)  # at startup: the relay runs from here on
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from huleedu_service_libs.outbox.manager import OutboxManager
from huleedu_service_libs.outbox.models import DEFAULT_TABLE
from huleedu_service_libs.outbox.protocols import OutboxRepositoryProtocol
from huleedu_service_libs.outbox.relay import EventRelayWorker, OutboxSettings
from huleedu_service_libs.outbox.repository import PostgreSQLOutboxRepository
from huleedu_service_libs.protocols import KafkaPublisherProtocol

__all__ = ["OutboxProvider"]


class OutboxProvider(Provider):
    """The outbox's objects for one service (``service_name`` labels logs and the relay)."""

    def __init__(
        self,
        service_name: str,
        settings: OutboxSettings | None = None,
        *,
        table: Table = DEFAULT_TABLE,
    ) -> None:
        super().__init__()
        self._service_name = service_name
        self._settings = settings or OutboxSettings()
        self._table = table

    @provide(scope=Scope.APP)
    def outbox_settings(self) -> OutboxSettings:
        return self._settings

    @provide(scope=Scope.APP)
    def repository(self, engine: AsyncEngine) -> PostgreSQLOutboxRepository:
        return PostgreSQLOutboxRepository(
            engine,
            self._service_name,
            enable_metrics=self._settings.enable_metrics,
            table=self._table,
        )

    @provide(scope=Scope.APP)
    def repository_protocol(
        self, repository: PostgreSQLOutboxRepository
    ) -> OutboxRepositoryProtocol:
        return repository

    @provide(scope=Scope.APP)
    def manager(self, repository: PostgreSQLOutboxRepository) -> OutboxManager:
        return OutboxManager(repository, service_name=self._service_name)

    @provide(scope=Scope.APP)
    async def relay(
        self,
        repository: PostgreSQLOutboxRepository,
        kafka_bus: KafkaPublisherProtocol,
        settings: OutboxSettings,
    ) -> AsyncIterator[EventRelayWorker]:
        relay = EventRelayWorker(repository, kafka_bus, settings, self._service_name)
        await relay.start()
        yield relay
        await relay.stop()
