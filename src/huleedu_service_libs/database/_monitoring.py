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
from huleedu_service_libs._shared.buckets import DB_SECONDS

_SCOPE = "huleedu_service_libs.database"


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
