"""The ``huleedu.errors`` counter (telemetry contract, "Errors"): one instrument for every writer.

The HTTP error handlers count each answered error; ``DatabaseMetrics.record_database_error``
counts repository errors into the same counter. Created on first use from the global meter,
so importing costs nothing and an SDK installed later still receives the counts.
"""

from __future__ import annotations

import functools

from opentelemetry import metrics

__all__ = ["CODE", "OPERATION", "errors_counter"]

CODE = "huleedu.error.code"
OPERATION = "huleedu.error.operation"


@functools.cache
def errors_counter() -> metrics.Counter:
    return metrics.get_meter("huleedu_service_libs.error_handling").create_counter(
        "huleedu.errors", unit="{error}", description="Errors, by code and operation"
    )
