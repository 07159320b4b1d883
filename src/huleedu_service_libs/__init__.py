"""HuleEdu Service Libraries: what every HuleEdu service imports.

Telemetry goes through the OpenTelemetry API only; ``huleedu_otel`` (or the
``opentelemetry-instrument`` launcher) decides where it goes.

What lives where: one module or small package per concern the seed names (``kafka_client``,
``redis_client``, ``resilience``, ``idempotency``, ``events``, ``database``, ``observability``,
``logging_utils``, ``quart_app``, ``errors``, ``protocols``); private helpers of one concern
beside it (``_redis_errors``, ``_log_processors``); the value types the protocols speak in in
``_types``; and the rules shared with ``huleedu_otel`` (redaction, report-once, bucket bounds,
the Kafka spans) in ``_shared``. See ARCHITECTURE.md.

The names below are imported on first use, so ``import huleedu_service_libs.errors`` costs only
that module; ``from huleedu_service_libs import KafkaBus`` imports the Kafka client then.
"""

import typing

from huleedu_service_libs._shared.lazy import lazy_exports as _lazy_exports

if typing.TYPE_CHECKING:
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
        IdempotencyLeaseLostError,
        IdempotencyStoreUnavailableError,
        InfrastructureNotConfiguredError,
        KafkaNotStartedError,
        KafkaPublishError,
        KafkaUnavailableError,
        MessagingError,
        RedisClientError,
        RedisNotStartedError,
        RedisUnavailableError,
    )
    from huleedu_service_libs.events import EventEnvelope
    from huleedu_service_libs.idempotency import (
        idempotent_batch_consumer,
        idempotent_consumer,
        transactional_idempotent_batch_consumer,
        transactional_idempotent_consumer,
    )
    from huleedu_service_libs.kafka import ResilientKafkaPublisher
    from huleedu_service_libs.kafka_client import KafkaBus
    from huleedu_service_libs.kafka_consumer import process_span
    from huleedu_service_libs.logging_utils import (
        configure_service_logging,
        create_service_logger,
        log_event_processing,
    )
    from huleedu_service_libs.observability import (
        extract_trace_context,
        get_current_trace_id,
        get_tracer,
        init_tracing,
        inject_trace_context,
        trace_operation,
        use_trace_context,
    )
    from huleedu_service_libs.protocols import (
        DatabaseMetricsProtocol,
        IdempotencyStoreProtocol,
        KafkaPublisherProtocol,
    )
    from huleedu_service_libs.quart_app import HuleEduApp
    from huleedu_service_libs.redis_client import RedisClient
    from huleedu_service_libs.redis_pubsub import RedisPubSub
    from huleedu_service_libs.resilience import (
        CircuitBreaker,
        CircuitBreakerRegistry,
        CircuitBreakerState,
        circuit_breaker,
        make_resilient,
    )

__all__ = [
    "CircuitBreaker",
    "CircuitBreakerError",
    "CircuitBreakerRegistry",
    "CircuitBreakerState",
    "DatabaseHealthChecker",
    "DatabaseMetrics",
    "DatabaseMetricsProtocol",
    "DuplicateInProgressError",
    "EventEnvelope",
    "EventSerializationError",
    "HuleEduApp",
    "HuleEduError",
    "IdempotencyError",
    "IdempotencyLeaseLostError",
    "IdempotencyStoreProtocol",
    "IdempotencyStoreUnavailableError",
    "InfrastructureNotConfiguredError",
    "KafkaBus",
    "KafkaNotStartedError",
    "KafkaPublishError",
    "KafkaPublisherProtocol",
    "KafkaUnavailableError",
    "MessagingError",
    "RedisClient",
    "RedisClientError",
    "RedisNotStartedError",
    "RedisPubSub",
    "RedisUnavailableError",
    "ResilientKafkaPublisher",
    "circuit_breaker",
    "configure_service_logging",
    "create_service_logger",
    "extract_trace_context",
    "get_current_trace_id",
    "get_tracer",
    "idempotent_batch_consumer",
    "idempotent_consumer",
    "init_tracing",
    "inject_trace_context",
    "log_event_processing",
    "make_resilient",
    "process_span",
    "query_performance_tracker",
    "setup_database_monitoring",
    "trace_operation",
    "transactional_idempotent_batch_consumer",
    "transactional_idempotent_consumer",
    "use_trace_context",
]

__getattr__, __dir__ = _lazy_exports(
    __name__,
    {
        ".database": (
            "DatabaseHealthChecker",
            "DatabaseMetrics",
            "query_performance_tracker",
            "setup_database_monitoring",
        ),
        ".errors": (
            "CircuitBreakerError",
            "DuplicateInProgressError",
            "EventSerializationError",
            "HuleEduError",
            "IdempotencyError",
            "IdempotencyLeaseLostError",
            "IdempotencyStoreUnavailableError",
            "InfrastructureNotConfiguredError",
            "KafkaNotStartedError",
            "KafkaPublishError",
            "KafkaUnavailableError",
            "MessagingError",
            "RedisClientError",
            "RedisNotStartedError",
            "RedisUnavailableError",
        ),
        ".events": ("EventEnvelope",),
        ".idempotency": (
            "idempotent_batch_consumer",
            "idempotent_consumer",
            "transactional_idempotent_batch_consumer",
            "transactional_idempotent_consumer",
        ),
        ".kafka": ("ResilientKafkaPublisher",),
        ".kafka_client": ("KafkaBus",),
        ".kafka_consumer": ("process_span",),
        ".logging_utils": (
            "configure_service_logging",
            "create_service_logger",
            "log_event_processing",
        ),
        ".observability": (
            "extract_trace_context",
            "get_current_trace_id",
            "get_tracer",
            "init_tracing",
            "inject_trace_context",
            "trace_operation",
            "use_trace_context",
        ),
        ".protocols": (
            "DatabaseMetricsProtocol",
            "IdempotencyStoreProtocol",
            "KafkaPublisherProtocol",
        ),
        ".quart_app": ("HuleEduApp",),
        ".redis_client": ("RedisClient",),
        ".redis_pubsub": ("RedisPubSub",),
        ".resilience": (
            "CircuitBreaker",
            "CircuitBreakerRegistry",
            "CircuitBreakerState",
            "circuit_breaker",
            "make_resilient",
        ),
    },
)
