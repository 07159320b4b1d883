"""HuleEdu Service Libraries: what every HuleEdu service imports.

Telemetry goes through the OpenTelemetry API only; ``huleedu_otel`` (or the
``opentelemetry-instrument`` launcher) decides where it goes.
"""

from huleedu_service_libs.errors import (
    CircuitBreakerError,
    DuplicateInProgressError,
    EventSerializationError,
    HuleEduError,
    IdempotencyError,
    IdempotencyStoreUnavailableError,
    KafkaNotStartedError,
    KafkaPublishError,
    KafkaUnavailableError,
    MessagingError,
    RedisClientError,
    RedisNotStartedError,
    RedisUnavailableError,
)
from huleedu_service_libs.events import EventEnvelope
from huleedu_service_libs.idempotency import idempotent_batch_consumer, idempotent_consumer
from huleedu_service_libs.kafka_client import KafkaBus
from huleedu_service_libs.kafka_consumer import process_span
from huleedu_service_libs.protocols import IdempotencyStoreProtocol, KafkaPublisherProtocol

__all__ = [
    "CircuitBreakerError",
    "DuplicateInProgressError",
    "EventEnvelope",
    "EventSerializationError",
    "HuleEduError",
    "IdempotencyError",
    "IdempotencyStoreProtocol",
    "IdempotencyStoreUnavailableError",
    "KafkaBus",
    "KafkaNotStartedError",
    "KafkaPublishError",
    "KafkaPublisherProtocol",
    "KafkaUnavailableError",
    "MessagingError",
    "RedisClientError",
    "RedisNotStartedError",
    "RedisUnavailableError",
    "idempotent_batch_consumer",
    "idempotent_consumer",
    "process_span",
]
