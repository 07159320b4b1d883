"""The ``huleedu_aiokafka`` instrumentor: aiokafka used directly, traced per the contract.

- ``AIOKafkaProducer.send`` / ``send_and_wait``: one ``send {topic}`` PRODUCER span per record,
  ended when the broker acknowledged it (partition and offset set) or failed. A record sent by
  ``KafkaBus`` already has its span, and gets no second one.
- ``getone()`` / ``async for msg in consumer``: a ``process {topic}`` CONSUMER span, current while
  the loop body runs, ended at the next fetch or ``stop()``; it continues the producer's trace
  (``consumer_span_links=True`` links to it instead).
- ``getmany()``: a ``poll {topic}`` CLIENT span with one link per record; wrap each record's
  handling in ``huleedu_service_libs.process_span``.
- Metrics: ``messaging.client.sent.messages``, ``messaging.client.consumed.messages``,
  ``messaging.client.operation.duration``, ``messaging.process.duration`` and the
  ``messaging.kafka.consumer.lag`` gauge per partition.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import aiokafka
from opentelemetry import metrics
from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]
    BaseInstrumentor,
)
from opentelemetry.instrumentation.utils import unwrap
from wrapt import wrap_function_wrapper

from huleedu_otel.aiokafka._consumers import ConsumerRegistry
from huleedu_otel.aiokafka._wrappers import wrap_getmany, wrap_getone, wrap_send, wrap_stop
from huleedu_otel.aiokafka.package import _instruments
from huleedu_service_libs._shared.messaging import semconv as sc
from huleedu_service_libs._shared.messaging.telemetry import MessagingTelemetry

__all__ = ["AIOKafkaInstrumentor"]

#: One registry for the process: the SDK hands back the first lag gauge registered under a
#: name, so every instrumentation must feed the same callback.
_registry = ConsumerRegistry()


class AIOKafkaInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Accepts ``tracer_provider``, ``meter_provider`` and ``consumer_span_links`` (bool)."""

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    def _instrument(self, **kwargs: Any) -> None:
        telemetry = MessagingTelemetry.create(
            kwargs.get("tracer_provider"), kwargs.get("meter_provider")
        )
        registry = _registry
        links = bool(kwargs.get("consumer_span_links", False))
        metrics.get_meter(
            __name__, meter_provider=kwargs.get("meter_provider")
        ).create_observable_gauge(
            sc.CONSUMER_LAG, callbacks=[registry.observe_lag], unit="{message}"
        )
        producer, consumer = aiokafka.AIOKafkaProducer, aiokafka.AIOKafkaConsumer
        wrap_function_wrapper(producer, "send", wrap_send(telemetry))
        wrap_function_wrapper(consumer, "getone", wrap_getone(telemetry, registry, links))
        wrap_function_wrapper(consumer, "getmany", wrap_getmany(telemetry, registry))
        wrap_function_wrapper(consumer, "stop", wrap_stop(registry))

    def _uninstrument(self, **kwargs: Any) -> None:
        unwrap(aiokafka.AIOKafkaProducer, "send")
        for method in ("getone", "getmany", "stop"):
            unwrap(aiokafka.AIOKafkaConsumer, method)
        _registry.forget_all()
