"""The seams services depend on: one Protocol per client, so tests inject fakes at our ports.

Depend on these, not on the concrete classes (``RedisClientProtocol``, not ``RedisClient``).
The value types they speak in (``ClaimState``, ``CircuitBreakerState``, ``ConsumerRecordLike``)
live in the leaf module ``_types``, so this module imports nothing that imports it back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar

from huleedu_service_libs._types import CircuitBreakerState, ClaimState, ConsumerRecordLike

if TYPE_CHECKING:
    from huleedu_service_libs.events import EventEnvelope

__all__ = [
    "AtomicRedisClientProtocol",
    "CircuitBreakerProtocol",
    "ConsumerRecordLike",
    "DatabaseMetricsProtocol",
    "IdempotencyStoreProtocol",
    "KafkaPublisherProtocol",
    "RedisClientProtocol",
    "RedisPubSubProtocol",
    "RedisSubscriptionProtocol",
    "ScriptingRedisProtocol",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")

# --- Messaging: KafkaPublisherProtocol (KafkaBus) ---


class KafkaPublisherProtocol(Protocol):
    """Publishes envelopes; ``publish`` returns once the broker acknowledged the record."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(
        self,
        topic: str,
        envelope: EventEnvelope[Any],
        key: str | None = None,
        headers: Sequence[tuple[str, bytes]] | None = None,
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
    ) -> Sequence[str]:
        """Mark ``done`` keys done for ``ttl_seconds`` and free ``released`` keys, each only
        where ``owner`` still holds the lease; returns the ``done`` keys it no longer held."""
        ...

    async def renew(self, keys: Sequence[str], owner: str, lease_ms: int) -> Sequence[str]:
        """Extend ``owner``'s leases on ``keys`` to ``lease_ms``; returns the keys it lost."""
        ...


# --- Redis: RedisClientProtocol, AtomicRedisClientProtocol, RedisPubSubProtocol ---


class ScriptingRedisProtocol(Protocol):
    """Atomic server-side scripts: what the idempotent consumer's Redis store needs.

    ``RedisClient`` implements it; one call is one round trip, whatever the script does.
    """

    async def eval_script(
        self, script: str, keys: Sequence[str], args: Sequence[str | int | float]
    ) -> Any: ...


class RedisSubscriptionProtocol(Protocol):
    """An open subscription: ``async for message in sub.listen()``."""

    def listen(self) -> AsyncIterator[dict[str, Any]]: ...


class RedisPubSubProtocol(Protocol):
    """Publishing and subscribing (``RedisPubSub``, and ``RedisClient`` by delegation)."""

    async def publish(self, channel: str, message: str) -> int: ...

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[RedisSubscriptionProtocol]: ...

    def get_user_channel(self, user_id: str) -> str: ...

    async def publish_user_notification(
        self, user_id: str, event_type: str, data: dict[str, Any]
    ) -> int: ...


class RedisClientProtocol(ScriptingRedisProtocol, RedisPubSubProtocol, Protocol):
    """What a service uses Redis for. Includes scripting, so a service can hand its client to
    the idempotent consumer, which asks only for :class:`ScriptingRedisProtocol`."""

    async def set_if_not_exists(
        self, key: str, value: Any, ttl_seconds: int | None = None
    ) -> bool: ...

    async def get(self, key: str) -> str | None: ...

    async def setex(self, key: str, ttl_seconds: int, value: str) -> bool: ...

    async def delete_key(self, key: str) -> int: ...

    async def ping(self) -> bool: ...

    async def scan_pattern(self, pattern: str) -> list[str]: ...


class AtomicRedisClientProtocol(RedisClientProtocol, Protocol):
    """Adds WATCH/MULTI/EXEC optimistic transactions; ``exec`` returns None on a conflict."""

    async def watch(self, *keys: str) -> bool: ...

    async def multi(self) -> bool: ...

    async def exec(self) -> list[Any] | None: ...

    async def unwatch(self) -> bool: ...


# --- Resilience ---


class CircuitBreakerProtocol(Protocol):
    """What code that is handed a breaker uses; ``CircuitBreaker`` implements it."""

    name: str

    async def call(
        self, func: Callable[_P, Awaitable[_R]], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> _R: ...

    @property
    def state(self) -> CircuitBreakerState: ...

    def get_state(self) -> dict[str, Any]: ...

    def reset(self) -> None: ...

    def force_open(self) -> None: ...

    def disable(self) -> None: ...


# --- Database: DatabaseMetricsProtocol (the handle setup_database_monitoring returns) ---


class DatabaseMetricsProtocol(Protocol):
    """What repositories record into; the seed's ``DatabaseMetrics`` methods."""

    def record_query_duration(
        self, operation: str, table: str, duration: float, success: bool = True
    ) -> None: ...

    def record_connection_acquired(self, pool_size: int, overflow: int) -> None: ...

    def record_connection_released(self, pool_size: int, overflow: int) -> None: ...

    def record_transaction_duration(
        self, operation: str, duration: float, success: bool = True
    ) -> None: ...

    def record_database_error(self, error_type: str, operation: str) -> None: ...

    def set_connection_pool_status(
        self, active: int, idle: int, total: int, overflow: int
    ) -> None: ...
