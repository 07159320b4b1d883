"""Resilient Kafka publishing: ``ResilientKafkaPublisher`` (a ``KafkaBus`` behind a circuit
breaker, with a bounded in-memory fallback queue) and its ``FallbackMessageHandler``.

Separate from ``huleedu_service_libs.kafka_client`` (the ``KafkaBus`` module), which it wraps.
The fallback queue rides out broker outages, not crashes: for events that must survive the
process, use ``huleedu_service_libs.outbox``.
"""

import typing

from huleedu_service_libs._shared.lazy import lazy_exports as _lazy_exports

if typing.TYPE_CHECKING:
    from huleedu_service_libs.kafka.fallback_handler import FallbackMessageHandler, QueuedMessage
    from huleedu_service_libs.kafka.resilient_kafka_bus import ResilientKafkaPublisher

__all__ = ["FallbackMessageHandler", "QueuedMessage", "ResilientKafkaPublisher"]

__getattr__, __dir__ = _lazy_exports(
    __name__,
    {
        ".fallback_handler": ("FallbackMessageHandler", "QueuedMessage"),
        ".resilient_kafka_bus": ("ResilientKafkaPublisher",),
    },
)
