"""``idempotent_consumer`` and ``idempotent_batch_consumer``: the guard as decorators."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, ParamSpec, TypeVar

from huleedu_service_libs.idempotency._guard import IdempotencyGuard
from huleedu_service_libs.idempotency._redis_store import RedisIdempotencyStore
from huleedu_service_libs.protocols import IdempotencyStoreProtocol, ScriptingRedisProtocol

P = ParamSpec("P")
R = TypeVar("R")

#: How long an attempt holds an event before another may take it over (a crashed worker's
#: events become processable again after this).
DEFAULT_LEASE_SECONDS = 60.0


def idempotent_consumer(
    redis_client: ScriptingRedisProtocol | None = None,
    ttl_seconds: int = 86400,
    *,
    store: IdempotencyStoreProtocol | None = None,
    namespace: str | None = None,
    consumer_group: str | None = None,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    fail_open: bool = True,
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Coroutine[Any, Any, R | None]]]:
    """Run the decorated handler at most once per event; its first argument is the record.

    A skipped duplicate returns ``None``. ``namespace`` (default: the handler's qualified name)
    keeps handlers that consume the same events apart. ``fail_open=False`` raises
    ``IdempotencyStoreUnavailableError`` instead of processing when the store is down.
    """
    claims = _store(redis_client, store)

    def decorate(
        handler: Callable[P, Awaitable[R]],
    ) -> Callable[P, Coroutine[Any, Any, R | None]]:
        guard = IdempotencyGuard(claims, namespace or handler_name(handler), ttl_seconds,
                                 lease_seconds, fail_open, consumer_group)  # fmt: skip

        @functools.wraps(handler)
        async def guarded(*args: P.args, **kwargs: P.kwargs) -> R | None:
            return await guard.run(_record_in(args), lambda: handler(*args, **kwargs))

        return guarded

    return decorate


def idempotent_batch_consumer(
    redis_client: ScriptingRedisProtocol | None = None,
    ttl_seconds: int = 86400,
    *,
    store: IdempotencyStoreProtocol | None = None,
    namespace: str | None = None,
    consumer_group: str | None = None,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    fail_open: bool = True,
) -> Callable[
    [Callable[[Any], Awaitable[object]]], Callable[[Sequence[Any]], Coroutine[Any, Any, None]]
]:
    """Turn a one-record handler into a batch handler with two store round trips per batch.

    Every new record runs inside its own ``process`` span; see ``IdempotencyGuard.run_batch``.
    """
    claims = _store(redis_client, store)

    def decorate(
        handler: Callable[[Any], Awaitable[object]],
    ) -> Callable[[Sequence[Any]], Coroutine[Any, Any, None]]:
        guard = IdempotencyGuard(claims, namespace or handler_name(handler), ttl_seconds,
                                 lease_seconds, fail_open, consumer_group)  # fmt: skip

        @functools.wraps(handler)
        async def guarded(records: Sequence[Any]) -> None:
            await guard.run_batch(records, handler)

        return guarded

    return decorate


def _store(
    redis_client: ScriptingRedisProtocol | None, store: IdempotencyStoreProtocol | None
) -> IdempotencyStoreProtocol:
    if store is not None:
        return store
    if redis_client is None:
        raise TypeError("idempotent consumers need redis_client= or store=")
    return RedisIdempotencyStore(redis_client)


def handler_name(handler: Callable[..., object]) -> str:
    """The default namespace: the handler's qualified name, stable across restarts."""
    module = getattr(handler, "__module__", "")
    return f"{module}.{getattr(handler, '__qualname__', repr(handler))}"


def _record_in(args: tuple[Any, ...]) -> Any:
    if not args:
        raise TypeError("an idempotent consumer's first positional argument is the record")
    return args[0]
