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

Two modes, because "done" and the effect live in different places:

* **Redis** (``idempotent_consumer``): at-least-once with deduplication. Crash window: the
  handler's effect is committed, then the process dies before the done marker reaches Redis;
  the lease expires (``lease_seconds``) and the redelivery applies the effect again. At most the
  events in flight at the crash (one message, or one ``getmany`` batch) are doubled.
* **Transactional** (``transactional_idempotent_consumer``, PostgreSQL): the dedupe row is
  inserted in the handler's own database transaction, so the effect and "done" commit together
  or not at all; no crash can double an effect that goes through that session. There is no
  Redis and no lease: a concurrent duplicate waits on the row's primary-key lock (bounded by the
  session's ``lock_timeout``, which raises ``DuplicateInProgressError``), and a killed process's
  claims roll back with its transaction. The price: one ``INSERT`` per message or batch in the
  service's database, a row per event kept until ``purge_idempotency_records``, and only
  database effects are covered (an HTTP call or a publish from the handler is not).
"""

from huleedu_service_libs.idempotency._claims import ClaimState
from huleedu_service_libs.idempotency._decorators import (
    DEFAULT_LEASE_SECONDS,
    idempotent_batch_consumer,
    idempotent_consumer,
)
from huleedu_service_libs.idempotency._pg_table import (
    DEFAULT_IDEMPOTENCY_TABLE_NAME,
    create_idempotency_table,
    idempotency_table,
    purge_idempotency_records,
)
from huleedu_service_libs.idempotency._redis_store import RedisIdempotencyStore
from huleedu_service_libs.idempotency._transactional_decorators import (
    transactional_idempotent_batch_consumer,
    transactional_idempotent_consumer,
)

__all__ = [
    "ClaimState",
    "DEFAULT_IDEMPOTENCY_TABLE_NAME",
    "DEFAULT_LEASE_SECONDS",
    "RedisIdempotencyStore",
    "create_idempotency_table",
    "idempotency_table",
    "idempotent_batch_consumer",
    "idempotent_consumer",
    "purge_idempotency_records",
    "transactional_idempotent_batch_consumer",
    "transactional_idempotent_consumer",
]
