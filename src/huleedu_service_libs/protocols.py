"""The seams services depend on: one Protocol per client, so tests inject fakes at our ports.

Depend on these, not on the concrete classes (``RedisClientProtocol``, not ``RedisClient``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

# --- Messaging: KafkaPublisherProtocol (KafkaBus) ---

# --- Redis: RedisClientProtocol, AtomicRedisClientProtocol, RedisPubSubProtocol ---


class ScriptingRedisProtocol(Protocol):
    """Atomic server-side scripts: what the idempotent consumer's Redis store needs.

    ``RedisClient`` implements it; one call is one round trip, whatever the script does.
    """

    async def eval_script(
        self, script: str, keys: Sequence[str], args: Sequence[str | int | float]
    ) -> Any: ...


# --- Resilience ---
