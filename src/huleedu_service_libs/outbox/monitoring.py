"""``OutboxMetrics``: the outbox's metrics of the telemetry contract, as one object.

``huleedu.outbox.pending`` and ``huleedu.outbox.oldest_age`` say how far the relay is behind,
per topic; ``huleedu.outbox.events`` counts what became of rows (``published``, ``retried``,
``failed``); ``huleedu.outbox.delay`` is the time from the row's write, inside the transaction
that commits it, to the broker's acknowledgement. All through the OpenTelemetry API: without an
SDK every call is a no-op.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping

from opentelemetry import metrics

from huleedu_service_libs._shared.buckets import MESSAGING_SECONDS
from huleedu_service_libs._shared.messaging.semconv import DESTINATION

__all__ = ["OutboxMetrics", "OutboxOutcome"]

_SCOPE = "huleedu_service_libs.outbox"


class OutboxOutcome(enum.Enum):
    PUBLISHED = "published"
    RETRIED = "retried"
    FAILED = "failed"


class OutboxMetrics:
    """The outbox instruments of one service (``service_name`` names it in logs only: the
    resource's ``service.name`` already labels every metric)."""

    __slots__ = ("_delay", "_events", "_oldest_age", "_pending", "_topics", "service_name")

    def __init__(
        self, service_name: str = "unknown", meter_provider: metrics.MeterProvider | None = None
    ) -> None:
        self.service_name = service_name
        meter = metrics.get_meter(_SCOPE, meter_provider=meter_provider)
        self._pending = meter.create_gauge("huleedu.outbox.pending", unit="{event}")
        self._oldest_age = meter.create_gauge("huleedu.outbox.oldest_age", unit="s")
        self._events = meter.create_counter("huleedu.outbox.events", unit="{event}")
        self._delay = meter.create_histogram(
            "huleedu.outbox.delay",
            unit="s",
            explicit_bucket_boundaries_advisory=list(MESSAGING_SECONDS),
        )
        self._topics: set[str] = set()

    def count(self, outcome: OutboxOutcome, topic: str, events: int = 1) -> None:
        if events:
            self._events.add(events, {DESTINATION: topic, "outcome": outcome.value})

    def record_delay(self, topic: str, seconds: float) -> None:
        self._delay.record(max(seconds, 0.0), {DESTINATION: topic})

    def set_backlog(
        self,
        backlog: Mapping[str, tuple[int, datetime.datetime]],
        now: datetime.datetime,
    ) -> None:
        """Report each topic's pending rows; topics seen before and now empty drop to 0."""
        for topic in self._topics - backlog.keys():
            self._pending.set(0, {DESTINATION: topic})
            self._oldest_age.set(0.0, {DESTINATION: topic})
        for topic, (count, oldest) in backlog.items():
            self._pending.set(count, {DESTINATION: topic})
            self._oldest_age.set(max((now - oldest).total_seconds(), 0.0), {DESTINATION: topic})
        self._topics |= backlog.keys()
