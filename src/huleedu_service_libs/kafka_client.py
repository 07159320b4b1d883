"""``KafkaBus``: publish ``EventEnvelope`` events to Kafka and return once the broker has them.

Every publish is one ``send {topic}`` PRODUCER span that lasts until the acknowledgement, with
the trace context written into the record headers and into ``envelope.metadata``, the envelope's
correlation id in an ``X-Correlation-ID`` header, and the messaging metrics of the telemetry
contract; all through the OpenTelemetry API.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, KafkaTimeoutError
from opentelemetry import context, metrics, trace

from huleedu_service_libs._kafka_deadlines import DeliveryDeadlines
from huleedu_service_libs._kafka_stop import bounded_stop
from huleedu_service_libs._shared.messaging.correlation import add_correlation_header
from huleedu_service_libs._shared.messaging.send_span import SendSpan
from huleedu_service_libs._shared.messaging.telemetry import MessagingTelemetry, suppressed
from huleedu_service_libs.errors import (
    EventSerializationError,
    KafkaNotStartedError,
    KafkaPublishError,
    KafkaUnavailableError,
)
from huleedu_service_libs.events import EventEnvelope

__all__ = ["KAFKA_BOOTSTRAP_SERVERS", "KafkaBus"]

_log = logging.getLogger("huleedu_service_libs.kafka")

KAFKA_BOOTSTRAP_SERVERS = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")

#: Durable by default: every in-sync replica has the record, and retries never duplicate it.
#: ``request_timeout_ms`` is also the delivery timeout that bounds each ``publish``.
PRODUCER_DEFAULTS: dict[str, Any] = {
    "acks": "all",
    "enable_idempotence": True,
    "request_timeout_ms": 30_000,
}


class KafkaBus:
    """An ``AIOKafkaProducer`` with a lifecycle, envelope serialization and tracing.

    ``producer_options`` go to ``AIOKafkaProducer`` over :data:`PRODUCER_DEFAULTS` (a broker
    without idempotent-producer support needs ``enable_idempotence=False``).
    """

    def __init__(
        self,
        *,
        client_id: str,
        bootstrap_servers: str = KAFKA_BOOTSTRAP_SERVERS,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
        **producer_options: Any,
    ) -> None:
        self.client_id = client_id
        self.bootstrap_servers = bootstrap_servers
        self._options = {**PRODUCER_DEFAULTS, **producer_options}
        self._delivery_timeout = float(self._options["request_timeout_ms"]) / 1000
        self._deadlines = DeliveryDeadlines(self._delivery_timeout)
        self._telemetry = MessagingTelemetry.create(tracer_provider, meter_provider)
        self._producer: AIOKafkaProducer | None = None
        self._lifecycle = asyncio.Lock()
        #: records the last ``stop()`` gave up on (0 when everything was acknowledged)
        self.unacknowledged_at_stop = 0

    async def start(self) -> None:
        """Connect; a second call does nothing. Raises ``KafkaUnavailableError``."""
        async with self._lifecycle:
            if self._producer is not None:
                return
            producer = AIOKafkaProducer(
                bootstrap_servers=self.bootstrap_servers, client_id=self.client_id, **self._options
            )
            try:
                await producer.start()
            except KafkaError as exc:
                await producer.stop()
                raise KafkaUnavailableError(
                    f"no Kafka broker reachable at {self.bootstrap_servers}"
                ) from exc
            self._producer = producer

    async def stop(self, timeout: float | None = None) -> None:  # noqa: ASYNC109 (the API)
        """Flush what is pending for at most ``timeout`` seconds (default: the delivery
        timeout), then disconnect; a second call does nothing.

        Records the broker has not acknowledged by then fail (their publishers get
        ``KafkaPublishError``); how many is logged. So a broker outage cannot hang shutdown,
        not even with the idempotent producer, which never expires its records by itself.
        """
        async with self._lifecycle:
            producer, self._producer = self._producer, None
            if producer is None:
                return
            limit = self._delivery_timeout if timeout is None else timeout
            unacknowledged = await bounded_stop(producer, limit)
            self._deadlines.close()
            if unacknowledged:
                _log.error(
                    "KafkaBus %s stopped with %d records the broker never acknowledged "
                    "(flushed for %.3gs)",
                    self.client_id,
                    unacknowledged,
                    limit,
                )
            self.unacknowledged_at_stop = unacknowledged

    async def __aenter__(self) -> KafkaBus:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def publish(
        self,
        topic: str,
        envelope: EventEnvelope[Any],
        key: str | None = None,
        headers: Sequence[tuple[str, bytes]] | None = None,
    ) -> None:
        """Send ``envelope`` and return once the broker acknowledged it.

        ``headers`` are extra record headers; the trace context and correlation id headers
        are added (and replace ones of the same name).

        Raises ``KafkaNotStartedError``, ``EventSerializationError`` (nothing was sent) or
        ``KafkaPublishError`` (refused, or no acknowledgement within the delivery timeout, in
        which case the record may still be written). During a broker outage every publish
        fails this way; once a broker is back the same bus publishes again (aiokafka
        reconnects by itself), so the bus needs no restart.
        """
        producer = self._started_producer()
        if suppressed():
            value = _serialize(envelope)
            await self._send(producer, topic, value, key, _headers(envelope, headers))
            return
        span = SendSpan(
            self._telemetry,
            topic=topic,
            key=key,
            message_id=str(envelope.event_id),
            client_id=self.client_id,
        )
        try:
            headers_out = _headers(envelope, headers)
            value = _traced_value(span, envelope, headers_out)
            token = context.attach(span.context())
            try:
                record_metadata = await self._send(producer, topic, value, key, headers_out)
            finally:
                context.detach(token)
        except BaseException as error:
            span.failed(error)
            raise
        span.acknowledged(record_metadata)

    async def _send(
        self,
        producer: AIOKafkaProducer,
        topic: str,
        value: bytes,
        key: str | None,
        headers: list[tuple[str, bytes]],
    ) -> Any:
        key_bytes = key.encode("utf-8") if key is not None else None
        try:
            # aiokafka bounds the wait for buffer space by request_timeout_ms; the deadlines
            # bound the wait for the acknowledgement by the same delivery timeout
            delivery = await producer.send(topic, value=value, key=key_bytes, headers=headers)
            self._deadlines.watch(delivery)
            try:
                return await delivery
            except asyncio.CancelledError:
                if _task_cancelled() or not self._deadlines.expired(delivery):
                    raise
                raise KafkaPublishError(
                    f"{topic}: no acknowledgement within {self._delivery_timeout:g}s "
                    "(the record may still be written)"
                ) from TimeoutError(f"delivery timeout of {self._delivery_timeout:g}s")
        except KafkaTimeoutError as exc:  # the batch expired, or stop() gave up on it
            raise KafkaPublishError(
                f"{topic}: no acknowledgement (the record may still be written)"
            ) from exc
        except KafkaError as exc:
            raise KafkaPublishError(f"{topic}: the broker refused the record") from exc

    def _started_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise KafkaNotStartedError(f"KafkaBus {self.client_id!r}: publish before start()")
        return self._producer


def _traced_value(
    span: SendSpan, envelope: EventEnvelope[Any], headers: list[tuple[str, bytes]]
) -> bytes:
    """Inject the span's context into the headers and a copy of the envelope; serialize that."""
    metadata = dict(envelope.metadata)
    span.inject(headers, metadata)
    return _serialize(_with_metadata(envelope, metadata))


def _task_cancelled() -> bool:
    """True when the running task itself is being cancelled (not only the awaited future)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _with_metadata(envelope: EventEnvelope[Any], metadata: dict[str, str]) -> EventEnvelope[Any]:
    """A shallow copy carrying ``metadata``: the caller's envelope is left as it was.

    ``__copy__`` and one field set, not ``model_copy(update=...)``: a third less on every
    publish, for the same copy (serialization reads the field, not the set of fields set)."""
    copied = envelope.__copy__()
    copied.__dict__["metadata"] = metadata
    return copied


def _headers(
    envelope: EventEnvelope[Any], extra: Sequence[tuple[str, bytes]] | None = None
) -> list[tuple[str, bytes]]:
    headers: list[tuple[str, bytes]] = list(extra) if extra else []
    add_correlation_header(headers, envelope.correlation_id)
    return headers


def _serialize(envelope: EventEnvelope[Any]) -> bytes:
    try:
        return envelope.model_dump_json().encode("utf-8")
    except Exception as exc:
        raise EventSerializationError(
            f"cannot serialize {type(envelope).__name__}: {type(exc).__name__}"
        ) from exc
