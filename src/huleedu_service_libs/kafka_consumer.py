"""Run the handling of one consumed record inside its ``process {topic}`` span.

With the ``huleedu_aiokafka`` instrumentor, ``getone()`` and ``async for msg in consumer`` get
this span automatically. A batch from ``getmany()`` cannot: the caller decides when each record's
handling starts and ends, so it says so with :func:`process_span`::

    batches = await consumer.getmany(timeout_ms=1000)
    for records in batches.values():
        for record in records:
            with process_span(record, consumer_group="essay-workers"):
                await handle(record)

While it is open, the record's correlation id (header ``X-Correlation-ID``) is bound, so log
lines carry it. Opening it again for a record whose span is already current reuses that span,
so wrapping a handler that the instrumentor already covers adds no second span.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import context, trace

from huleedu_service_libs._shared.messaging.process_span import ProcessSpan, processing
from huleedu_service_libs._shared.messaging.telemetry import MessagingTelemetry, suppressed
from huleedu_service_libs._types import ConsumerRecordLike
from huleedu_service_libs.correlation import bind_correlation_id, reset_correlation_id

__all__ = ["process_span"]

_telemetry = MessagingTelemetry.create()


@contextmanager
def process_span(
    record: ConsumerRecordLike, *, consumer_group: str | None = None, links: bool = False
) -> Iterator[trace.Span]:
    """Make ``record``'s process span current for the block; it ends (with any error) after it.

    ``record`` is an aiokafka ``ConsumerRecord``, or anything else with its ``topic``,
    ``partition``, ``offset``, ``key`` and ``headers`` (``protocols.ConsumerRecordLike``).
    ``links=True`` links to the producer's trace instead of continuing it.
    """
    if suppressed() or processing(record):
        yield trace.get_current_span()
        return
    span = ProcessSpan(_telemetry, record, consumer_group=consumer_group, links=links)
    token = context.attach(span.context())
    bound = bind_correlation_id(span.correlation_id) if span.correlation_id else None
    try:
        yield span.span
    except BaseException as error:
        span.finish(error)
        raise
    else:
        span.finish()
    finally:
        if bound is not None:
            reset_correlation_id(bound)
        context.detach(token)
