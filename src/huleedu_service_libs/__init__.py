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
    InfrastructureNotConfiguredError,
    KafkaNotStartedError,
    KafkaPublishError,
    MessagingError,
    RedisClientError,
    RedisNotStartedError,
    RedisUnavailableError,
)
from huleedu_service_libs.quart_app import HuleEduApp

__all__ = [
    "CircuitBreakerError",
    "DuplicateInProgressError",
    "EventSerializationError",
    "HuleEduApp",
    "HuleEduError",
    "IdempotencyError",
    "IdempotencyStoreUnavailableError",
    "InfrastructureNotConfiguredError",
    "KafkaNotStartedError",
    "KafkaPublishError",
    "MessagingError",
    "RedisClientError",
    "RedisNotStartedError",
    "RedisUnavailableError",
]
