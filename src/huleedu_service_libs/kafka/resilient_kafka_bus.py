"""``ResilientKafkaPublisher``: ``KafkaBus.publish`` behind a circuit breaker, with a fallback
queue while the breaker is open.

A publish that the breaker refuses, or that fails to reach the broker, is queued in the
``FallbackMessageHandler`` instead of failing the caller; a background task sends the queue,
in order, every ``retry_interval`` seconds and as soon as the breaker lets calls through again.
While anything is queued, new messages queue behind it, so order is kept. The queue is in
memory: this rides out a broker outage, not a crash. When an event must survive the process,
use the transactional outbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from huleedu_service_libs.errors import CircuitBreakerError, KafkaPublishError
from huleedu_service_libs.events import EventEnvelope
from huleedu_service_libs.kafka.fallback_handler import FallbackMessageHandler, QueuedMessage
from huleedu_service_libs.kafka_client import KafkaBus
from huleedu_service_libs.resilience import (
    BreakerEvent,
    CircuitBreaker,
    CircuitBreakerState,
    StateChanged,
)

__all__ = ["ResilientKafkaPublisher"]

_log = logging.getLogger("huleedu_service_libs.kafka")
_UNSENT = (CircuitBreakerError, KafkaPublishError)


class ResilientKafkaPublisher:
    """Implements ``KafkaPublisherProtocol``; ``publish`` returns once the broker acknowledged
    the message or it was queued for later."""

    def __init__(
        self,
        delegate: KafkaBus,
        circuit_breaker: CircuitBreaker | None = None,
        fallback_handler: FallbackMessageHandler | None = None,
        retry_interval: float = 30,
    ) -> None:
        self.delegate = delegate
        if circuit_breaker is None:
            circuit_breaker = CircuitBreaker(
                name=f"kafka.{delegate.client_id}", expected_exception=KafkaPublishError
            )
        if fallback_handler is None:
            fallback_handler = FallbackMessageHandler(retry_interval=retry_interval)
        self.circuit_breaker, self.fallback_handler = circuit_breaker, fallback_handler
        self.retry_interval = retry_interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.circuit_breaker.subscribe(self._on_breaker_event)

    async def start(self) -> None:
        await self.delegate.start()
        if self._task is None:
            self._task = asyncio.create_task(self._retry_loop(), name="kafka-fallback-retry")

    async def stop(self) -> None:
        """Try the queue once more, stop the retries and the bus; what is left is dropped and
        logged (it lives in memory only)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await self._send_queued()
            left = self.fallback_handler.drain("stopped")
            if left:
                _log.error("Kafka publisher stopped with %d queued messages; they are lost", left)
        await self.delegate.stop()

    async def publish(
        self,
        topic: str,
        envelope: EventEnvelope[Any],
        key: str | None = None,
        headers: Sequence[tuple[str, bytes]] | None = None,
    ) -> None:
        message = QueuedMessage(topic, envelope, key, headers)
        if len(self.fallback_handler):  # keep order: nothing overtakes the queue
            self._queue(message)
            return
        try:
            await self._send(message)
        except _UNSENT:
            self._queue(message)

    def get_fallback_queue_size(self) -> int:
        return len(self.fallback_handler)

    def get_circuit_breaker_state(self) -> dict[str, Any]:
        return self.circuit_breaker.get_state()

    async def _send(self, message: QueuedMessage) -> None:
        await self.circuit_breaker.call(
            self.delegate.publish, message.topic, message.envelope, message.key, message.headers
        )

    def _queue(self, message: QueuedMessage) -> None:
        if self.fallback_handler.add(message):
            self._wake.set()

    async def _retry_loop(self) -> None:
        while True:
            try:
                async with asyncio.timeout(self.fallback_handler.retry_interval):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            await self._send_queued()

    async def _send_queued(self) -> None:
        """Send the queue in order; stop at the first failure (the breaker decides when next)."""
        while (message := self.fallback_handler.peek()) is not None:
            try:
                await self._send(message)
            except CircuitBreakerError:
                return
            except KafkaPublishError:
                self.fallback_handler.failed()
                return
            self.fallback_handler.sent()

    def _on_breaker_event(self, event: BreakerEvent) -> None:
        if isinstance(event, StateChanged) and event.to_state is not CircuitBreakerState.OPEN:
            self._wake.set()
