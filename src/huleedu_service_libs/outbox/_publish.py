"""Publishing a claimed batch: concurrently across keys, in order within a key, each send in
the trace of the transaction that wrote its row.

A key's rows go one after another, and the first failure ends that key's turn, so a later row
never overtakes an earlier one; rows without a key and rows of other keys are not held up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka.errors import KafkaError
from opentelemetry import context, trace
from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY
from pydantic import ValidationError

from huleedu_service_libs._shared.messaging.send_span import with_send_extras
from huleedu_service_libs.errors import EventSerializationError, HuleEduError, KafkaPublishError
from huleedu_service_libs.events import EventEnvelope
from huleedu_service_libs.outbox._trace import restore_trace_context
from huleedu_service_libs.outbox.protocols import OutboxEvent
from huleedu_service_libs.protocols import KafkaPublisherProtocol

__all__ = ["ATTEMPT_ATTRIBUTE", "BatchOutcome", "is_poison", "publish_batch"]

ATTEMPT_ATTRIBUTE = "huleedu.outbox.attempt"


@dataclass(slots=True)
class BatchOutcome:
    #: published rows and when the broker acknowledged each (``time.time()``)
    published: list[tuple[OutboxEvent, float]] = field(default_factory=list)
    failed: list[tuple[OutboxEvent, Exception]] = field(default_factory=list)


def is_poison(error: BaseException) -> bool:
    """True when the row itself is at fault (it will never publish), false for an outage.

    Only a poisoned row uses up its retries: an outage, however long, never fails a row.
    """
    if isinstance(error, ValidationError | EventSerializationError):
        return True
    if isinstance(error, KafkaPublishError):
        cause = error.__cause__
        return isinstance(cause, KafkaError) and not cause.retriable
    return not isinstance(error, HuleEduError | OSError | TimeoutError)


async def publish_batch(events: Sequence[OutboxEvent], bus: KafkaPublisherProtocol) -> BatchOutcome:
    outcome = BatchOutcome()
    chains: dict[object, list[OutboxEvent]] = {}
    for event in events:
        chains.setdefault(event.event_key if event.event_key is not None else event.id, []).append(
            event
        )
    await asyncio.gather(*(_publish_chain(chain, bus, outcome) for chain in chains.values()))
    return outcome


async def _publish_chain(
    chain: list[OutboxEvent], bus: KafkaPublisherProtocol, outcome: BatchOutcome
) -> None:
    for event in chain:
        try:
            await publish_one(event, bus)
        except Exception as error:
            outcome.failed.append((event, error))
            return
        outcome.published.append((event, time.time()))


async def publish_one(event: OutboxEvent, bus: KafkaPublisherProtocol) -> None:
    """Publish one row in its writer's trace: the send span's parent, and a link to it."""
    envelope: EventEnvelope[Any] = EventEnvelope.model_validate(event.event_data)
    parent, link = restore_trace_context(event.traceparent, event.tracestate)
    if link is None:  # written outside any span: the send starts a trace of its own
        parent = trace.set_span_in_context(trace.INVALID_SPAN, context.get_current())
    parent = context.set_value(_SUPPRESS_INSTRUMENTATION_KEY, False, parent)  # the send is traced
    extras = with_send_extras(
        parent, [link] if link is not None else [], {ATTEMPT_ATTRIBUTE: event.retry_count + 1}
    )
    headers = [(name, value.encode("utf-8")) for name, value in (event.headers or {}).items()]
    token = context.attach(extras)
    try:
        await bus.publish(event.topic, envelope, key=event.event_key, headers=headers or None)
    finally:
        context.detach(token)
