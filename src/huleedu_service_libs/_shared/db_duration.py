"""The database duration instruments that more than one module records into.

``db.client.operation.duration``: the SQLAlchemy and redis instrumentors.
``huleedu.db.transaction.duration``: the SQLAlchemy instrumentor and the handle
``setup_database_monitoring`` returns (transactions a service times itself).

Each must be recorded into through ONE instrument of ONE meter. The Prometheus exporter keeps
one metric family per name: two meters (or two descriptions) give the name two families, a
second ``# HELP`` line, and label sets it lines up by position, so a Redis point's values land
under the SQL point's label names. One instrument means one metric whose label names are the
union of what its points carry.
"""

from __future__ import annotations

from opentelemetry.metrics import Histogram, MeterProvider, get_meter

from huleedu_service_libs._shared.buckets import DB_SECONDS

NAME = "db.client.operation.duration"
TRANSACTION_NAME = "huleedu.db.transaction.duration"
SCOPE = "huleedu_otel.db_client"


def create(meter_provider: MeterProvider | None = None) -> Histogram:
    """The shared histogram; the SDK hands back the same instrument on every call."""
    return get_meter(SCOPE, meter_provider=meter_provider).create_histogram(
        NAME,
        unit="s",
        description="Duration of database client operations.",
        explicit_bucket_boundaries_advisory=list(DB_SECONDS),
    )


def transaction(meter_provider: MeterProvider | None = None) -> Histogram:
    """The shared transaction histogram, by ``outcome`` (``commit`` or ``rollback``)."""
    return get_meter(SCOPE, meter_provider=meter_provider).create_histogram(
        TRANSACTION_NAME,
        unit="s",
        description="Duration of transactions, from begin to commit/rollback.",
        explicit_bucket_boundaries_advisory=list(DB_SECONDS),
    )
