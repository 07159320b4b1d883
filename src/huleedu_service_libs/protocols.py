"""The seams services depend on: one Protocol per client, so tests inject fakes at our ports.

Depend on these, not on the concrete classes (``RedisClientProtocol``, not ``RedisClient``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar

if TYPE_CHECKING:
    from huleedu_service_libs.resilience import CircuitBreakerState

_P = ParamSpec("_P")
_R = TypeVar("_R")

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
