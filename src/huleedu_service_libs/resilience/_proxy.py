"""``make_resilient(client, breaker)``: the same client, with every coroutine method guarded.

The proxy is transparent: attribute reads, writes and sync methods go straight to the client;
only methods defined as coroutine functions on the client's class go through the breaker. To a
type checker it *is* the client (``make_resilient`` returns ``T``), so a provider typed
``-> ExternalServiceProtocol`` keeps its type. Special methods (``async with``, ``len()``) are
looked up on the proxy's class by Python and are not forwarded.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar, cast

from huleedu_service_libs.resilience._breaker import CircuitBreaker

__all__ = ["make_resilient"]

T = TypeVar("T")


class _ResilientProxy:
    """Forwards to ``client``; guards and caches its coroutine methods on first use."""

    __slots__ = ("_breaker", "_client", "_guarded")

    def __init__(self, client: object, breaker: CircuitBreaker) -> None:
        object.__setattr__(self, "_client", client)
        object.__setattr__(self, "_breaker", breaker)
        object.__setattr__(self, "_guarded", {})

    def __getattr__(self, name: str) -> Any:
        guarded: dict[str, Any] = self._guarded
        if name in guarded:
            return guarded[name]
        value = getattr(self._client, name)
        if not inspect.iscoroutinefunction(getattr(type(self._client), name, None)):
            return value
        guarded[name] = _guard(value, self._breaker)
        return guarded[name]

    def __setattr__(self, name: str, value: object) -> None:
        self._guarded.pop(name, None)
        setattr(self._client, name, value)

    def __delattr__(self, name: str) -> None:
        self._guarded.pop(name, None)
        delattr(self._client, name)

    def __dir__(self) -> list[str]:
        return dir(self._client)

    def __repr__(self) -> str:
        return f"<resilient {self._client!r} via circuit breaker {self._breaker.name!r}>"


def _guard(
    method: Callable[..., Coroutine[Any, Any, Any]], breaker: CircuitBreaker
) -> Callable[..., Coroutine[Any, Any, Any]]:
    @functools.wraps(method)
    async def guarded(*args: Any, **kwargs: Any) -> Any:
        return await breaker.call(method, *args, **kwargs)

    return guarded


def make_resilient(client: T, breaker: CircuitBreaker) -> T:
    """``client``, seen through ``breaker``: every ``async def`` method call is guarded."""
    return cast(T, _ResilientProxy(client, breaker))
