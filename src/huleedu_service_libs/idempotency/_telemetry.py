"""The idempotent consumer's metrics; no semantic convention exists, so these names are ours."""

from __future__ import annotations

import enum
import time
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import metrics

#: Boundaries for a store round trip (loopback Redis answers in well under a millisecond).
STORE_SECONDS: tuple[float, ...] = (
    0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip


class Outcome(enum.Enum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    IN_PROGRESS = "in_progress"
    RELEASED = "released"
    STORE_UNAVAILABLE = "store_unavailable"
    LEASE_LOST = "lease_lost"


class IdempotencyTelemetry:
    __slots__ = ("_messages", "_store_duration")

    def __init__(self, meter_provider: metrics.MeterProvider | None = None) -> None:
        meter = metrics.get_meter("huleedu_service_libs.idempotency", meter_provider=meter_provider)
        self._messages = meter.create_counter("idempotency.messages", unit="{message}")
        self._store_duration = meter.create_histogram(
            "idempotency.store.duration",
            unit="s",
            explicit_bucket_boundaries_advisory=list(STORE_SECONDS),
        )

    def count(self, outcome: Outcome, messages: int = 1) -> None:
        if messages:
            self._messages.add(messages, {"outcome": outcome.value})

    @contextmanager
    def timed(self, operation: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self._store_duration.record(time.perf_counter() - started, {"operation": operation})
