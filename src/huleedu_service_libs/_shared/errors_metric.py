"""The ``huleedu.errors`` counter (telemetry contract, "Errors"): one instrument for every writer.

The HTTP error handlers count each answered error; ``DatabaseMetrics.record_database_error``
counts repository errors into the same counter. Created on first use from the global meter,
so importing costs nothing and an SDK installed later still receives the counts.
"""

from __future__ import annotations

import functools
from enum import Enum

from opentelemetry import metrics

__all__ = ["CODE", "OPERATION", "code_of", "errors_counter"]

CODE = "huleedu.error.code"
OPERATION = "huleedu.error.operation"


@functools.cache
def errors_counter() -> metrics.Counter:
    return metrics.get_meter("huleedu_service_libs.error_handling").create_counter(
        "huleedu.errors", unit="{error}", description="Errors, by code and operation"
    )


def code_of(error: BaseException) -> str | None:
    """A structured error's code value (``error.error_detail.error_code``), else ``None``.

    By shape, so the messaging side needs no import of ``error_handling``: every structured
    error shares one class, and its code is what says which error it was.
    """
    code = getattr(getattr(error, "error_detail", None), "error_code", None)
    return code.value if isinstance(code, Enum) and isinstance(code.value, str) else None
