"""``setup_database_monitoring``: switch on the SQLAlchemy instrumentation for one engine.

The seed created ten ``{service}_database_*`` Prometheus metrics here. The instrumentor now
records the semantic-convention equivalents (``db.client.operation.duration``, the nine
``db.client.connection.*`` metrics, ``huleedu.db.transaction.duration``); this function only
asks it to watch the engine, and returns a handle for the repository decorator.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import metrics
from opentelemetry.metrics import Histogram
from sqlalchemy.ext.asyncio import AsyncEngine

from huleedu_service_libs import _otel_bridge
from huleedu_service_libs._shared import errors_metric
from huleedu_service_libs._shared.buckets import DB_SECONDS
from huleedu_service_libs.protocols import DatabaseMetricsProtocol

_SCOPE = "huleedu_service_libs.database"
#: semconv's ``error.type`` value when only "it failed" is known.
_OTHER = "_OTHER"


@dataclass
class DatabaseMetrics:
    """What ``setup_database_monitoring`` returns (the seed kept it in ``app.extensions``).

    ``metrics`` is the ``metrics_dict`` passed in (or a new dict), handed back unchanged so a
    service can keep its own instruments next to it; ``query_duration`` is the histogram
    ``query_performance_tracker`` records into; ``stop()`` removes the instrumentation.
    """

    service_name: str
    engine: AsyncEngine
    metrics: MutableMapping[str, Any] = field(default_factory=dict)
    instrumented: bool = False
    query_duration: Histogram = field(default_factory=lambda: repository_duration())

    transaction_duration: Histogram = field(default_factory=lambda: transaction_duration())

    def record_query_duration(
        self, operation: str, table: str, duration: float, success: bool = True
    ) -> None:
        """A repository operation's duration, as ``query_performance_tracker`` records it."""
        attributes = {"db.operation.name": operation, "db.collection.name": table}
        if not success:
            attributes["error.type"] = _OTHER
        self.query_duration.record(duration, attributes)

    def record_transaction_duration(
        self, operation: str, duration: float, success: bool = True
    ) -> None:
        """Into ``huleedu.db.transaction.duration`` with ``outcome`` commit or rollback."""
        outcome = "commit" if success else "rollback"
        self.transaction_duration.record(
            duration, {"outcome": outcome, "db.operation.name": operation}
        )

    def record_database_error(self, error_type: str, operation: str) -> None:
        """Counted in ``huleedu.errors`` with the error type as its code."""
        errors_metric.errors_counter().add(
            1, {errors_metric.CODE: error_type, errors_metric.OPERATION: operation}
        )

    def record_connection_acquired(self, pool_size: int, overflow: int) -> None:
        """No-op: the instrumentor observes the pool (``db.client.connection.*``) itself."""

    def record_connection_released(self, pool_size: int, overflow: int) -> None:
        """No-op: the instrumentor observes the pool (``db.client.connection.*``) itself."""

    def set_connection_pool_status(self, active: int, idle: int, total: int, overflow: int) -> None:
        """No-op: ``db.client.connection.count`` by ``state`` is observed from the pool."""

    def stop(self) -> None:
        """Stop tracing this engine (only when this handle switched it on)."""
        if self.instrumented:
            _otel_bridge.uninstrument_database_engine(self.engine)
            self.instrumented = False


def setup_database_monitoring(
    engine: AsyncEngine,
    service_name: str,
    metrics_dict: MutableMapping[str, Any] | None = None,
) -> DatabaseMetrics:
    """Trace ``engine``'s statements and measure its pool; safe to call more than once."""
    instrumented = _otel_bridge.instrument_database_engine(engine)
    return DatabaseMetrics(
        service_name=service_name,
        engine=engine,
        metrics=metrics_dict if metrics_dict is not None else {},
        instrumented=instrumented,
    )


def repository_duration() -> Histogram:
    """The histogram repository methods are timed in (the global meter, created lazily)."""
    return metrics.get_meter(_SCOPE).create_histogram(
        "huleedu.db.repository.duration",
        unit="s",
        description="Duration of repository methods wrapped by query_performance_tracker.",
        explicit_bucket_boundaries_advisory=list(DB_SECONDS),
    )


def transaction_duration() -> Histogram:
    """``huleedu.db.transaction.duration`` for transactions a service times itself."""
    return metrics.get_meter(_SCOPE).create_histogram(
        "huleedu.db.transaction.duration",
        unit="s",
        description="Transactions, from begin to commit/rollback",
        explicit_bucket_boundaries_advisory=list(DB_SECONDS),
    )


def _satisfies_the_protocol(handle: DatabaseMetrics) -> DatabaseMetricsProtocol:
    return handle  # mypy checks that the handle implements every method
