"""The seams services depend on: one Protocol per client, so tests inject fakes at our ports.

Depend on these, not on the concrete classes (``RedisClientProtocol``, not ``RedisClient``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from huleedu_service_libs.events import EventEnvelope
    from huleedu_service_libs.idempotency import ClaimState

# --- Messaging: KafkaPublisherProtocol (KafkaBus) ---


class KafkaPublisherProtocol(Protocol):
    """Publishes envelopes; ``publish`` returns once the broker acknowledged the record."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(
        self, topic: str, envelope: EventEnvelope[Any], key: str | None = None
    ) -> None: ...


class IdempotencyStoreProtocol(Protocol):
    """Where the idempotent consumer keeps its claims: one call is one round trip.

    Both methods raise ``IdempotencyStoreUnavailableError`` when the store cannot be reached.
    """

    async def claim(self, keys: Sequence[str], owner: str, lease_ms: int) -> list[ClaimState]:
        """Lease every free key to ``owner``; report each key's state before the call."""
        ...

    async def settle(
        self, owner: str, *, done: Sequence[str], released: Sequence[str], ttl_seconds: int
    ) -> None:
        """Mark ``done`` keys done for ``ttl_seconds``; free ``released`` keys ``owner`` holds."""
        ...


# --- Redis: RedisClientProtocol, AtomicRedisClientProtocol, RedisPubSubProtocol ---


class ScriptingRedisProtocol(Protocol):
    """Atomic server-side scripts: what the idempotent consumer's Redis store needs.

    ``RedisClient`` implements it; one call is one round trip, whatever the script does.
    """

    async def eval_script(
        self, script: str, keys: Sequence[str], args: Sequence[str | int | float]
    ) -> Any: ...


# --- Resilience ---
