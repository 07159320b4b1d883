"""The wrapt wrappers: send spans that last until the acknowledgement, and consumer spans.

Upstream's instrumentation ends its producer span before the record is even queued, and closes
its consumer span before ``getone()`` returns, so the handler runs outside any span. Here the
send span ends in the delivery future's callback, and the ``process`` span opened for a record
by ``getone()`` stays current in the caller until the next fetch or ``stop()``.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import TopicPartition
from opentelemetry import context
from opentelemetry.trace import SpanKind

from huleedu_otel.aiokafka._consumers import ConsumerRegistry, ConsumerState
from huleedu_service_libs._shared.messaging import semconv as sc
from huleedu_service_libs._shared.messaging.carrier import as_header_list
from huleedu_service_libs._shared.messaging.correlation import add_correlation_header
from huleedu_service_libs._shared.messaging.process_span import (
    ProcessSpan,
    decoded_key,
    producer_links,
)
from huleedu_service_libs._shared.messaging.send_span import SendSpan, send_span_open
from huleedu_service_libs._shared.messaging.telemetry import (
    MessagingTelemetry,
    never_raises,
    suppressed,
)
from huleedu_service_libs.correlation import get_correlation_id

Wrapper = Callable[[Callable[..., Awaitable[Any]], Any, tuple[Any, ...], dict[str, Any]], Any]


def wrap_send(telemetry: MessagingTelemetry) -> Wrapper:
    async def traced_send(
        wrapped: Callable[..., Awaitable[Any]],
        instance: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        if suppressed() or send_span_open():  # KafkaBus already owns this message's span
            return await wrapped(*args, **kwargs)
        call = _bind_send(*args, **kwargs)
        span = SendSpan(
            telemetry,
            topic=call["topic"],
            key=decoded_key(call["key"]),
            client_id=getattr(instance.client, "_client_id", None),
        )
        call["headers"] = as_header_list(call["headers"])
        span.inject(call["headers"])
        add_correlation_header(call["headers"], get_correlation_id())
        token = context.attach(span.context())
        try:
            delivery = await wrapped(**call)
        except BaseException as error:
            span.failed(error)
            raise
        finally:
            context.detach(token)
        delivery.add_done_callback(functools.partial(_delivered, span))
        return delivery

    return traced_send


def wrap_getone(telemetry: MessagingTelemetry, registry: ConsumerRegistry, links: bool) -> Wrapper:
    async def traced_getone(
        wrapped: Callable[..., Awaitable[Any]],
        instance: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        state = _closing_the_open_span(registry, instance)
        record = await wrapped(*args, **kwargs)
        if not suppressed():
            with never_raises("process span start"):
                _received(telemetry, state, [record])
                _open_process_span(telemetry, state, record, links)
        return record

    return traced_getone


def wrap_getmany(telemetry: MessagingTelemetry, registry: ConsumerRegistry) -> Wrapper:
    async def traced_getmany(
        wrapped: Callable[..., Awaitable[Any]],
        instance: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        state = _closing_the_open_span(registry, instance)
        started_ns, started = time.time_ns(), time.perf_counter()
        batches = await wrapped(*args, **kwargs)
        if batches and not suppressed():
            with never_raises("poll span"):
                records = [record for batch in batches.values() for record in batch]
                _received(telemetry, state, records)
                _poll_span(telemetry, state, records, started_ns, started)
        return batches

    return traced_getmany


def wrap_stop(registry: ConsumerRegistry) -> Wrapper:
    async def traced_stop(
        wrapped: Callable[..., Awaitable[Any]],
        instance: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        _closing_the_open_span(registry, instance)
        return await wrapped(*args, **kwargs)

    return traced_stop


def _closing_the_open_span(registry: ConsumerRegistry, consumer: Any) -> ConsumerState:
    """The consumer's state, after ending the process span the previous fetch left open."""
    state = registry.state(consumer)
    with never_raises("process span end"):
        state.close_span()
    return state


def _bind_send(
    topic: str,
    value: Any = None,
    key: Any = None,
    partition: int | None = None,
    timestamp_ms: int | None = None,
    headers: Any = None,
) -> dict[str, Any]:
    """``AIOKafkaProducer.send``'s arguments by name, however the caller passed them."""
    return {"topic": topic, "value": value, "key": key, "partition": partition,
            "timestamp_ms": timestamp_ms, "headers": headers}  # fmt: skip


def _delivered(span: SendSpan, delivery: asyncio.Future[Any]) -> None:
    if delivery.cancelled():
        span.failed(asyncio.CancelledError())
    elif delivery.exception() is not None:
        span.failed(delivery.exception())  # type: ignore[arg-type]
    else:
        span.acknowledged(delivery.result())


def _received(telemetry: MessagingTelemetry, state: ConsumerState, records: list[Any]) -> None:
    """Count the records and remember each partition's next offset (for the lag gauge)."""
    for record in records:
        attributes = {sc.SYSTEM: sc.KAFKA, sc.DESTINATION: record.topic}
        if state.group is not None:
            attributes[sc.CONSUMER_GROUP] = state.group
        telemetry.consumed.add(1, attributes)
        state.positions[TopicPartition(record.topic, record.partition)] = record.offset + 1


def _open_process_span(
    telemetry: MessagingTelemetry, state: ConsumerState, record: Any, links: bool
) -> None:
    """Open ``record``'s process span and make it current in the caller's context."""
    state.open_span(ProcessSpan(telemetry, record, consumer_group=state.group, links=links))


def _poll_span(
    telemetry: MessagingTelemetry,
    state: ConsumerState,
    records: list[Any],
    started_ns: int,
    started: float,
) -> None:
    """The ``poll`` CLIENT span covering the fetch, linked to every record's producer."""
    topics = sorted({record.topic for record in records})
    attributes: dict[str, str | int] = {
        sc.SYSTEM: sc.KAFKA,
        sc.OPERATION_TYPE: "receive",
        sc.OPERATION_NAME: "poll",
        sc.BATCH_COUNT: len(records),
    }
    if len(topics) == 1:
        attributes[sc.DESTINATION] = topics[0]
    if state.group is not None:
        attributes[sc.CONSUMER_GROUP] = state.group
    name = f"poll {topics[0]}" if len(topics) == 1 else "poll"
    span = telemetry.tracer.start_span(
        name, kind=SpanKind.CLIENT, attributes=attributes, links=producer_links(records),
        start_time=started_ns,
    )  # fmt: skip
    span.end()
    duration_attributes = {k: v for k, v in attributes.items() if k != sc.BATCH_COUNT}
    telemetry.operation_duration.record(time.perf_counter() - started, duration_attributes)
