"""HuleEdu Service Libraries: what every HuleEdu service imports.

Telemetry goes through the OpenTelemetry API only; ``huleedu_otel`` (or the
``opentelemetry-instrument`` launcher) decides where it goes.
"""

from huleedu_service_libs.database import (
    DatabaseHealthChecker,
    DatabaseMetrics,
    query_performance_tracker,
    setup_database_monitoring,
)
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

__all__ = [
    "CircuitBreakerError",
    "DatabaseHealthChecker",
    "DatabaseMetrics",
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
    "query_performance_tracker",
    "setup_database_monitoring",
]
