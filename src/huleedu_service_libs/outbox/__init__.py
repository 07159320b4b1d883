"""The transactional outbox: an event is published exactly when the transaction that wrote it
commits, through crashes, relay replicas and broker outages, in the trace of that transaction.

A service writes its rows and, in the same session, ``OutboxManager.publish_to_outbox(...)``;
an ``EventRelayWorker`` (one or more replicas) publishes committed rows through ``KafkaBus``::

    repository = PostgreSQLOutboxRepository(engine, service_name="essay-service")
    manager = OutboxManager(repository, service_name="essay-service")
    async with session.begin():
        session.add(essay)
        await manager.publish_to_outbox("essay", essay.id, "EssaySubmitted", envelope,
                                        topic="essay-events", message_key=essay.id,
                                        session=session)
    relay = EventRelayWorker(repository, kafka_bus, OutboxSettings(), "essay-service")
    await relay.start()
"""

import typing

from huleedu_service_libs._shared.lazy import lazy_exports as _lazy_exports

if typing.TYPE_CHECKING:
    from huleedu_service_libs.outbox.manager import OutboxManager
    from huleedu_service_libs.outbox.models import (
        DEFAULT_OUTBOX_TABLE_NAME,
        Base,
        EventOutbox,
        create_outbox_table,
        outbox_table,
    )
    from huleedu_service_libs.outbox.monitoring import OutboxMetrics
    from huleedu_service_libs.outbox.protocols import OutboxEvent, OutboxRepositoryProtocol
    from huleedu_service_libs.outbox.provider import OutboxProvider
    from huleedu_service_libs.outbox.relay import EventRelayWorker, OutboxSettings
    from huleedu_service_libs.outbox.repository import PostgreSQLOutboxRepository

__all__ = [
    "Base",
    "DEFAULT_OUTBOX_TABLE_NAME",
    "EventOutbox",
    "EventRelayWorker",
    "OutboxEvent",
    "OutboxManager",
    "OutboxMetrics",
    "OutboxProvider",
    "OutboxRepositoryProtocol",
    "OutboxSettings",
    "PostgreSQLOutboxRepository",
    "create_outbox_table",
    "outbox_table",
]

__getattr__, __dir__ = _lazy_exports(
    __name__,
    {
        ".manager": ("OutboxManager",),
        ".models": (
            "DEFAULT_OUTBOX_TABLE_NAME",
            "Base",
            "EventOutbox",
            "create_outbox_table",
            "outbox_table",
        ),
        ".monitoring": ("OutboxMetrics",),
        ".protocols": ("OutboxEvent", "OutboxRepositoryProtocol"),
        ".provider": ("OutboxProvider",),
        ".relay": ("EventRelayWorker", "OutboxSettings"),
        ".repository": ("PostgreSQLOutboxRepository",),
    },
)
