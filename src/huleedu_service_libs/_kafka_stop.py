"""A bounded ``AIOKafkaProducer.stop()``: flush until a deadline, then close regardless.

aiokafka's ``stop()`` waits until every pending batch is delivered, and its idempotent producer
never expires a batch, so during a broker outage a plain ``stop()`` lasts as long as the outage.
aiokafka has no public way to give up; the two private calls below are the smallest way in.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaTimeoutError

_log = logging.getLogger("huleedu_service_libs.kafka")

__all__ = ["bounded_stop"]


async def bounded_stop(producer: AIOKafkaProducer, seconds: float) -> int:
    """Flush for at most ``seconds``, then close; returns the records not acknowledged.

    The records still pending at the deadline fail with ``KafkaTimeoutError`` (their
    publishers see ``KafkaPublishError``), so the close that follows does not wait for them.
    """
    try:
        async with asyncio.timeout(max(seconds, 0.0)):
            await producer.flush()
    except TimeoutError:
        unacknowledged = await _abandon_pending(producer)
    else:
        await producer.stop()
        return 0
    try:
        await producer.stop()
    except Exception:  # the sender trips over the batches failed under it; all is closed
        _log.debug("aiokafka's stop after abandoning pending records failed", exc_info=True)
    return unacknowledged


async def _abandon_pending(producer: AIOKafkaProducer) -> int:
    """Fail the records left (their publishers return at once), then close the connections,
    which ends the requests in flight; returns how many records were abandoned."""
    accumulator: Any = producer._message_accumulator
    unacknowledged = _pending_records(accumulator)
    accumulator.fail_all(KafkaTimeoutError("producer stopped before the broker acknowledged"))
    await producer.client.close()
    return unacknowledged


def _pending_records(accumulator: Any) -> int:
    batches = [batch for queue in accumulator._batches.values() for batch in queue]
    batches += list(accumulator._pending_batches)
    return sum(batch.record_count for batch in batches if not batch.future.done())
