"""The ``process {topic}`` CONSUMER span around the code that handles one record.

By default it continues the producer's trace (its parent is the context in the record headers),
so the handler's logs and child spans share the producer's trace id. With ``links=True`` it stays
in the consumer's own trace and links to the producer instead.

While it is open the context carries the record's identity under :data:`PROCESSING_RECORD`, so
a second request to open a process span for the same record (the instrumentor already opened one,
and the idempotent consumer asks again) reuses the open span instead of nesting another.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from huleedu_service_libs._shared.errors_metric import CODE, code_of
from huleedu_service_libs._shared.exception_text import exception_attributes
from huleedu_service_libs._shared.messaging import semconv as sc
from huleedu_service_libs._shared.messaging.carrier import header_getter
from huleedu_service_libs._shared.messaging.correlation import (
    SPAN_ATTRIBUTE as CORRELATION_ATTRIBUTE,
)
from huleedu_service_libs._shared.messaging.correlation import correlation_from
from huleedu_service_libs._shared.messaging.telemetry import MessagingTelemetry, never_raises
from huleedu_service_libs._types import ConsumerRecordLike

PROCESSING_RECORD = context.create_key("huleedu-kafka-processing-record")

RecordId = tuple[str, int, int]


def record_id(record: ConsumerRecordLike) -> RecordId:
    return (record.topic, record.partition, record.offset)


def processing(record: ConsumerRecordLike) -> bool:
    """True when the current context already is the process span of ``record``."""
    return context.get_value(PROCESSING_RECORD) == record_id(record)


class ProcessSpan:
    """One record's process span; :meth:`context` is what the handler should run in."""

    __slots__ = ("_attributes", "_context", "_span", "_started", "_telemetry", "correlation_id")

    def __init__(
        self,
        telemetry: MessagingTelemetry,
        record: ConsumerRecordLike,
        *,
        consumer_group: str | None = None,
        links: bool = False,
    ) -> None:
        self._telemetry = telemetry
        self._started = time.perf_counter()
        self._attributes = {sc.SYSTEM: sc.KAFKA, sc.DESTINATION: record.topic}
        if consumer_group is not None:
            self._attributes[sc.CONSUMER_GROUP] = consumer_group
        producer = propagate.extract(record.headers or (), getter=header_getter)
        parent = context.get_current() if links else producer
        self.correlation_id = correlation_from(record.headers)
        self._span = telemetry.tracer.start_span(
            f"process {record.topic}",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes=_span_attributes(self._attributes, record, self.correlation_id),
            links=_links_to(producer) if links else None,
        )
        in_span = trace.set_span_in_context(self._span, parent)
        self._context = context.set_value(PROCESSING_RECORD, record_id(record), in_span)

    @property
    def span(self) -> trace.Span:
        return self._span

    def context(self) -> context.Context:
        return self._context

    def finish(self, error: BaseException | None = None) -> None:
        with never_raises("process span end"):
            attributes = dict(self._attributes)
            if error is not None:
                attributes[sc.ERROR_TYPE] = sc.error_type(error)
                if self._span.is_recording():
                    self._span.record_exception(error, attributes=exception_attributes(error))
                    self._span.set_attribute(sc.ERROR_TYPE, attributes[sc.ERROR_TYPE])
                    if (code := code_of(error)) is not None:
                        self._span.set_attribute(CODE, code)
                    self._span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            self._span.end()
            self._telemetry.process_duration.record(time.perf_counter() - self._started, attributes)


def _span_attributes(
    base: dict[str, str], record: ConsumerRecordLike, correlation_id: str | None
) -> dict[str, str | int]:
    attributes: dict[str, str | int] = {
        **base,
        sc.OPERATION_TYPE: "process",
        sc.OPERATION_NAME: "process",
        sc.PARTITION: str(record.partition),
        sc.OFFSET: int(record.offset),
    }
    key = decoded_key(record.key)
    if key is not None:
        attributes[sc.MESSAGE_KEY] = key
    if correlation_id is not None:
        attributes[CORRELATION_ATTRIBUTE] = correlation_id
    return attributes


#: Longer keys are not recorded: a key is chosen by the producer, and an attribute must stay small.
MAX_KEY_LENGTH = 256


def decoded_key(key: Any) -> str | None:
    """The record key as text for ``messaging.kafka.message.key``; ``None`` if not UTF-8 or long."""
    if isinstance(key, bytes):
        if len(key) > MAX_KEY_LENGTH * 4:
            return None
        try:
            key = key.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return key if isinstance(key, str) and len(key) <= MAX_KEY_LENGTH else None


def _links_to(producer: context.Context) -> list[Link]:
    span_context = trace.get_current_span(producer).get_span_context()
    return [Link(span_context)] if span_context.is_valid else []


def producer_links(records: Iterable[ConsumerRecordLike]) -> list[Link]:
    """One link per record whose headers carry a valid trace context (the poll span's links)."""
    links: list[Link] = []
    for record in records:
        links.extend(_links_to(propagate.extract(record.headers or (), getter=header_getter)))
    return links
