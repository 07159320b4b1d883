"""``EventRelayWorker``: publishes committed outbox rows to Kafka, then marks them published.

Each cycle claims a batch in one transaction (``FOR UPDATE SKIP LOCKED``: replicas never hold
one row together), publishes it through the ``KafkaBus`` (see ``_publish``), marks the
published rows in one ``UPDATE`` and commits. A relay killed between the broker's
acknowledgement and that commit leaves its rows pending, so another relay publishes them again:
the duplicates of that window keep their envelope's ``event_id`` and the idempotent consumer
drops them. A failed row is retried with exponential backoff; a poisoned row is marked failed
after ``max_retries`` attempts, an outage never fails a row.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from opentelemetry import context
from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY

from huleedu_service_libs._shared.exception_text import safe_message
from huleedu_service_libs.outbox._publish import BatchOutcome, is_poison, publish_batch
from huleedu_service_libs.outbox._wake import WakeListener
from huleedu_service_libs.outbox.protocols import ClaimedBatchProtocol, RelayRepositoryProtocol
from huleedu_service_libs.protocols import KafkaPublisherProtocol, RedisPubSubProtocol

__all__ = ["EventRelayWorker", "OutboxSettings"]

_log = logging.getLogger("huleedu_service_libs.outbox")
_MAX_ERROR_TEXT = 1000


@dataclass(frozen=True, slots=True)
class OutboxSettings:
    """How the relay polls, batches and retries.

    ``poll_interval_seconds`` bounds the delay when no wake-up arrives;
    ``error_retry_interval_seconds`` is the pause after a cycle that failed (the database was
    unreachable) and the longest backoff of a row; a row's n-th retry waits
    ``retry_backoff_seconds * 2 ** (n - 1)`` up to that.
    """

    poll_interval_seconds: float = 5.0
    batch_size: int = 100
    max_retries: int = 5
    error_retry_interval_seconds: float = 30.0
    enable_metrics: bool = True
    enable_wake_notifications: bool = True
    retry_backoff_seconds: float = 1.0
    backlog_refresh_seconds: float = 5.0

    def backoff(self, attempt: int) -> float:
        """Seconds before the next try of a row whose ``attempt``-th try failed."""
        exponent = min(attempt - 1, 30)
        return float(
            min(self.error_retry_interval_seconds, self.retry_backoff_seconds * 2**exponent)
        )


@contextmanager
def _untraced() -> Iterator[None]:
    """The relay's own statements: no spans (its sends turn tracing back on, see ``_publish``)."""
    token = context.attach(context.set_value(_SUPPRESS_INSTRUMENTATION_KEY, True))
    try:
        yield
    finally:
        context.detach(token)


class EventRelayWorker:
    """The relay loop: ``start()`` runs it in a task, ``stop()`` ends it after its batch."""

    def __init__(
        self,
        outbox_repository: RelayRepositoryProtocol,
        kafka_bus: KafkaPublisherProtocol,
        settings: OutboxSettings,
        service_name: str,
        redis_client: RedisPubSubProtocol | None = None,
    ) -> None:
        self.repository, self.kafka_bus, self.settings = outbox_repository, kafka_bus, settings
        self.service_name = service_name
        self._metrics = outbox_repository.metrics if settings.enable_metrics else None
        self._listener = WakeListener(
            outbox_repository.wake_channel, outbox_repository.engine, redis_client
        )
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._backlog_at = 0.0

    async def start(self) -> None:
        if self._task is not None:
            return
        self._stopping = False
        if self.settings.enable_wake_notifications:
            await self._listener.start()
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self.service_name}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._listener.wake()
        await asyncio.gather(task, return_exceptions=True)
        await self._listener.stop()

    async def relay_once(self) -> int:
        """One cycle: claim, publish, settle, commit. Returns how many rows it claimed.

        The relay's own statements are not traced (a poll every few seconds would make a
        trace of its own each time); its sends are, in their writers' traces.
        """
        with _untraced():
            return await self._relay_batch()

    async def _relay_batch(self) -> int:
        async with self.repository.claim_batch(self.settings.batch_size) as batch:
            if not batch.events:
                return 0
            outcome = await publish_batch(batch.events, self.kafka_bus)
            await batch.mark_published([event.id for event, _ in outcome.published])
            await self._settle_failures(batch, outcome)
        self._record_delays(outcome)
        return len(batch.events)

    async def _run(self) -> None:
        while not self._stopping:
            try:
                claimed = await self.relay_once()
                with _untraced():
                    await self._refresh_backlog()
            except Exception:
                _log.exception("Outbox relay cycle failed; retrying")
                await self._listener.wait(self.settings.error_retry_interval_seconds)
                continue
            if claimed < self.settings.batch_size and not self._stopping:
                await self._listener.wait(self.settings.poll_interval_seconds)

    async def _settle_failures(self, batch: ClaimedBatchProtocol, outcome: BatchOutcome) -> None:
        now = datetime.datetime.now(datetime.UTC)
        unreachable = 0
        for event, error in outcome.failed:
            attempt, poison = event.retry_count + 1, is_poison(error)
            text = f"{type(error).__name__}: {safe_message(error)}"[:_MAX_ERROR_TEXT]
            if poison and attempt >= self.settings.max_retries:
                _log.error("Outbox event %s failed after %d attempts: %s", event.id, attempt, text)
                await batch.mark_failed(event.id, text)
                continue
            if poison:
                _log.warning("Outbox event %s attempt %d failed: %s", event.id, attempt, text)
            unreachable += not poison
            retry_at = now + datetime.timedelta(seconds=self.settings.backoff(attempt))
            await batch.mark_retry(event.id, text, retry_at)
        if unreachable:
            _log.warning(
                "%d outbox events not published (broker unreachable); retrying", unreachable
            )

    def _record_delays(self, outcome: BatchOutcome) -> None:
        if self._metrics is None:
            return
        for event, acknowledged in outcome.published:
            self._metrics.record_delay(event.topic, acknowledged - event.created_at.timestamp())

    async def _refresh_backlog(self) -> None:
        """Report the backlog gauges, at most every ``backlog_refresh_seconds``."""
        if self._metrics is None:
            return
        if time.monotonic() - self._backlog_at < self.settings.backlog_refresh_seconds:
            return
        self._backlog_at = time.monotonic()
        backlog = await self.repository.backlog()
        self._metrics.set_backlog(backlog, datetime.datetime.now(datetime.UTC))
