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
from huleedu_service_libs.resilience import (
    CircuitBreaker,
    CircuitBreakerState,
    circuit_breaker,
    make_resilient,
)

__all__ = [
    "CircuitBreaker",
    "CircuitBreakerError",
    "CircuitBreakerState",
    "DuplicateInProgressError",
    "EventSerializationError",
    "HuleEduError",
    "IdempotencyError",
    "IdempotencyStoreUnavailableError",
    "KafkaNotStartedError",
    "KafkaPublishError",
    "MessagingError",
    "RedisClientError",
    "RedisNotStartedError",
    "RedisUnavailableError",
    "circuit_breaker",
    "make_resilient",
]
