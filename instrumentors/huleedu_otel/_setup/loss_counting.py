"""Count what the export pipelines lose while the collector is away.

A batch processor's queue is capped (``OTEL_BSP_MAX_QUEUE_SIZE``/``OTEL_BLRP_MAX_QUEUE_SIZE``):
when the collector is unreachable, new spans and log records are dropped instead of growing
memory, and an exporter that gives up loses its batch. The SDK counts both in its standard
self-metrics (``otel.sdk.processor.span.processed`` / ``otel.sdk.processor.log.processed`` and
``otel.sdk.exporter.span.exported`` / ``otel.sdk.exporter.log.exported``, with ``error.type``),
but only for components built while ``OTEL_PYTHON_SDK_INTERNAL_METRICS_ENABLED`` is true.

We build the batch processors and their exporters with it on, so losses are always counted
at no per-span cost. The tracer and logger providers' own per-item counters
(``otel.sdk.span.live`` and friends, about 15 us a span measured here) stay off unless the
user sets the variable; a value the user set, ``true`` or ``false``, is respected everywhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

SELF_METRICS_VARIABLE = "OTEL_PYTHON_SDK_INTERNAL_METRICS_ENABLED"


@contextmanager
def counting_losses() -> Iterator[None]:
    """Components built inside count their drops, unless the user chose otherwise.

    The SDK reads the variable only in constructors, so it is set just for their duration;
    ``configure()`` builds the providers under its lock, once per process.
    """
    if SELF_METRICS_VARIABLE in os.environ:
        yield
        return
    os.environ[SELF_METRICS_VARIABLE] = "true"
    try:
        yield
    finally:
        os.environ.pop(SELF_METRICS_VARIABLE, None)
