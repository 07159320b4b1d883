"""``db.client.operation.duration``, shared by the SQLAlchemy and redis instrumentors.

Both record into the same semantic-convention metric. The Prometheus exporter keeps one metric
family per name, description and unit: two descriptions would give one name two families, a
second ``# HELP`` line, and an exposition that strict parsers reject. One definition avoids it.
"""

from __future__ import annotations

from opentelemetry.metrics import Histogram, Meter

from huleedu_otel._buckets import DB_SECONDS

NAME = "db.client.operation.duration"
DESCRIPTION = "Duration of database client operations."


def create(meter: Meter) -> Histogram:
    return meter.create_histogram(
        NAME,
        unit="s",
        description=DESCRIPTION,
        explicit_bucket_boundaries_advisory=list(DB_SECONDS),
    )
