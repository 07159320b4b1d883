"""The ``send {topic}`` PRODUCER span: opened before the record is handed to the producer,
ended when the broker acknowledged it (or failed), never before.

Whoever opens it (``KafkaBus`` or the instrumentor) marks the context it hands to
``AIOKafkaProducer.send`` with :data:`SEND_SPAN_OPEN`; the instrumentor sees the mark and adds no
second span, so one message yields exactly one PRODUCER span.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from huleedu_service_libs._shared.exception_text import exception_attributes
from huleedu_service_libs._shared.messaging import semconv as sc
from huleedu_service_libs._shared.messaging.carrier import header_setter
from huleedu_service_libs._shared.messaging.telemetry import MessagingTelemetry, never_raises

#: Set in the context while a send span is open for the record being sent.
SEND_SPAN_OPEN = context.create_key("huleedu-kafka-send-span-open")
#: Links and attributes a caller (the outbox relay) asks the next send span to carry.
_SEND_EXTRAS = context.create_key("huleedu-kafka-send-extras")


def with_send_extras(
    parent: context.Context, links: Sequence[trace.Link], attributes: Mapping[str, Any]
) -> context.Context:
    """``parent`` with links and attributes for the send span started in it."""
    return context.set_value(_SEND_EXTRAS, (tuple(links), dict(attributes)), parent)


def send_span_open() -> bool:
    return bool(context.get_value(SEND_SPAN_OPEN))


class SendSpan:
    """One message's send span and its metrics; ``acknowledged``/``failed`` end both."""

    __slots__ = ("_attributes", "_context", "_span", "_started", "_telemetry")

    def __init__(
        self,
        telemetry: MessagingTelemetry,
        *,
        topic: str,
        key: str | None = None,
        message_id: str | None = None,
        client_id: str | None = None,
    ) -> None:
        self._telemetry = telemetry
        self._started = time.perf_counter()
        #: the metrics' attributes (the contract's, plus the operation name both may carry)
        self._attributes: dict[str, str] = {
            sc.SYSTEM: sc.KAFKA,
            sc.DESTINATION: topic,
            sc.OPERATION_NAME: "send",
        }
        span_attributes: dict[str, Any] = {**self._attributes, sc.OPERATION_TYPE: "send"}
        if key is not None:
            span_attributes[sc.MESSAGE_KEY] = key
        if message_id is not None:
            span_attributes[sc.MESSAGE_ID] = message_id
        if client_id is not None:
            span_attributes[sc.CLIENT_ID] = client_id
        extras: Any = context.get_value(_SEND_EXTRAS)
        links: Sequence[trace.Link] = ()
        if extras is not None:
            links = extras[0]
            span_attributes.update(extras[1])
        self._span = telemetry.tracer.start_span(
            f"send {topic}", kind=SpanKind.PRODUCER, attributes=span_attributes, links=links
        )
        self._context: context.Context | None = None

    def context(self) -> context.Context:
        """The context to send in: this span current, and the mark that a send span is open.

        Built once: the injection and the send both use it."""
        if self._context is None:
            self._context = context.set_value(
                SEND_SPAN_OPEN, True, trace.set_span_in_context(self._span)
            )
        return self._context

    def inject(
        self,
        headers: MutableSequence[tuple[str, bytes]],
        metadata: MutableMapping[str, str] | None = None,
    ) -> None:
        """Write this span's trace context into the record headers (and the envelope metadata).

        One injection serves both carriers: the propagators run once per message.
        """
        with never_raises("trace context injection"):
            carrier: dict[str, str] = {}
            propagate.inject(carrier, context=self.context())
            for name, value in carrier.items():
                header_setter.set(headers, name, value)
            if metadata is not None:
                metadata.update(carrier)

    def acknowledged(self, record_metadata: Any) -> None:
        with never_raises("send span end"):
            if self._span.is_recording():
                self._span.set_attributes(
                    {
                        sc.PARTITION: str(record_metadata.partition),
                        sc.OFFSET: record_metadata.offset,
                    }
                )
            self._end(self._attributes)

    def failed(self, error: BaseException) -> None:
        with never_raises("send span end"):
            attributes = {**self._attributes, sc.ERROR_TYPE: sc.error_type(error)}
            if self._span.is_recording():
                self._span.record_exception(error, attributes=exception_attributes(error))
                self._span.set_attribute(sc.ERROR_TYPE, attributes[sc.ERROR_TYPE])
                self._span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            self._end(attributes)

    def _end(self, attributes: dict[str, str]) -> None:
        self._span.end()
        self._telemetry.sent.add(1, attributes)
        self._telemetry.operation_duration.record(time.perf_counter() - self._started, attributes)
