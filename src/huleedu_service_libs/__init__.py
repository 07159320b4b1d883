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
    MessagingError,
    RedisClientError,
    RedisNotStartedError,
    RedisUnavailableError,
)
from huleedu_service_libs.redis_client import RedisClient
from huleedu_service_libs.redis_pubsub import RedisPubSub

__all__ = [
    "CircuitBreakerError",
    "DuplicateInProgressError",
    "EventSerializationError",
    "HuleEduError",
    "IdempotencyError",
    "IdempotencyStoreUnavailableError",
    "KafkaNotStartedError",
    "KafkaPublishError",
    "MessagingError",
    "RedisClient",
    "RedisClientError",
    "RedisNotStartedError",
    "RedisPubSub",
    "RedisUnavailableError",
]
