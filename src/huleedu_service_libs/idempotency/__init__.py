"""Process each Kafka event at most once per handler, and lose none.

The seed's form works as written::

    @idempotent_consumer(redis_client=redis_client, ttl_seconds=86400)
    async def handle_essay_submitted(msg: ConsumerRecord) -> None: ...

For a method, decorate the bound method once the client exists (a decorator in the class body
cannot see ``self.redis_client``)::

    class EventProcessor:
        def __init__(self, redis_client: RedisClientProtocol) -> None:
            self.process_message = idempotent_consumer(redis_client=redis_client)(
                self._process_message
            )

        async def _process_message(self, msg: ConsumerRecord) -> None: ...

A ``getmany`` batch uses :func:`idempotent_batch_consumer` on the one-record handler and calls the
result with the batch's records: two store round trips per batch.

Unlike the seed, a message is marked done only after its handler succeeded; while it runs, its key
is a short lease owned by the attempt. A duplicate that arrives meanwhile raises the retryable
``DuplicateInProgressError`` (do not commit its offset; redeliver it) instead of being skipped.
"""

from huleedu_service_libs.idempotency._claims import ClaimState
from huleedu_service_libs.idempotency._decorators import (
    DEFAULT_LEASE_SECONDS,
    idempotent_batch_consumer,
    idempotent_consumer,
)
from huleedu_service_libs.idempotency._redis_store import RedisIdempotencyStore

__all__ = [
    "DEFAULT_LEASE_SECONDS",
    "ClaimState",
    "RedisIdempotencyStore",
    "idempotent_batch_consumer",
    "idempotent_consumer",
]
