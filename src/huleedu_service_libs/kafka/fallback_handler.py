"""``FallbackMessageHandler``: the in-memory queue a ``ResilientKafkaPublisher`` keeps messages
in while its circuit breaker is open.

Bounded (``max_queue_size``), first in first out, and never silent about loss: a message that
does not fit, or that failed ``max_retries`` times, is dropped, counted
(``huleedu.kafka.fallback.dropped`` with a ``reason``) and logged. It lives in memory, so a
process that dies loses what it holds; only the transactional outbox survives a crash.
"""

from __future__ import annotations

import collections
import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import metrics

from huleedu_service_libs._shared.messaging.semconv import DESTINATION
from huleedu_service_libs.events import EventEnvelope

__all__ = ["FallbackMessageHandler", "QueuedMessage"]

_log = logging.getLogger("huleedu_service_libs.kafka")


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass
class QueuedMessage:
    """One publish waiting for the broker: its arguments, when it was queued, its failures."""

    topic: str
    envelope: EventEnvelope[Any]
    key: str | None = None
    headers: Sequence[tuple[str, bytes]] | None = None
    queued_at: datetime.datetime = field(default_factory=_utc_now)
    retry_count: int = 0


class FallbackMessageHandler:
    """A bounded FIFO of :class:`QueuedMessage`; ``retry_interval`` is how often the publisher
    tries to send what is queued."""

    def __init__(
        self,
        max_queue_size: int = 1000,
        retry_interval: float = 30,
        max_retries: int = 5,
        meter_provider: metrics.MeterProvider | None = None,
    ) -> None:
        self.max_queue_size, self.retry_interval = max_queue_size, retry_interval
        self.max_retries = max_retries
        self._queue: collections.deque[QueuedMessage] = collections.deque()
        meter = metrics.get_meter("huleedu_service_libs.kafka", meter_provider=meter_provider)
        self._size = meter.create_up_down_counter("huleedu.kafka.fallback.queued", "{message}")
        self._dropped = meter.create_counter("huleedu.kafka.fallback.dropped", "{message}")
        #: how many messages were dropped since creation (the metric's value, for callers)
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, message: QueuedMessage) -> bool:
        """Queue ``message`` at the end; ``False`` (and counted) when the queue is full."""
        if len(self._queue) >= self.max_queue_size:
            self._drop(message, "queue_full")
            return False
        self._queue.append(message)
        self._size.add(1, {DESTINATION: message.topic})
        return True

    def peek(self) -> QueuedMessage | None:
        return self._queue[0] if self._queue else None

    def sent(self) -> None:
        """The first message went out: remove it."""
        message = self._queue.popleft()
        self._size.add(-1, {DESTINATION: message.topic})

    def failed(self) -> bool:
        """The first message failed again; it is dropped after ``max_retries`` failures.

        Returns ``True`` while it stays queued.
        """
        message = self._queue[0]
        message.retry_count += 1
        if message.retry_count < self.max_retries:
            return True
        self._queue.popleft()
        self._size.add(-1, {DESTINATION: message.topic})
        self._drop(message, "max_retries")
        return False

    def drain(self, reason: str) -> int:
        """Drop everything (the publisher stops with messages queued); returns how many."""
        count = len(self._queue)
        while self._queue:
            message = self._queue.popleft()
            self._size.add(-1, {DESTINATION: message.topic})
            self._drop(message, reason)
        return count

    def _drop(self, message: QueuedMessage, reason: str) -> None:
        self.dropped += 1
        self._dropped.add(1, {DESTINATION: message.topic, "reason": reason})
        _log.error(
            "Dropped event %s for %s from the Kafka fallback queue (%s)",
            message.envelope.event_id,
            message.topic,
            reason,
        )
