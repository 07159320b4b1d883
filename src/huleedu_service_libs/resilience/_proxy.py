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

from huleedu_service_libs.protocols import CircuitBreakerProtocol

__all__ = ["make_resilient"]

T = TypeVar("T")


class _ResilientProxy:
    """Forwards to ``client``; guards its coroutine methods on first use.

    A guarded method is kept in the proxy's own ``__dict__``, so from the second call on Python
    finds it there directly, without going through ``__getattr__``.
    """

    def __init__(self, client: object, breaker: CircuitBreakerProtocol) -> None:
        vars(self).update(_client=client, _breaker=breaker)

    def __getattr__(self, name: str) -> Any:
        client = vars(self)["_client"]
        value = getattr(client, name)
        if not inspect.iscoroutinefunction(getattr(type(client), name, None)):
            return value
        guarded = vars(self)[name] = _guard(value, vars(self)["_breaker"])
        return guarded

    def __setattr__(self, name: str, value: object) -> None:
        vars(self).pop(name, None)
        setattr(vars(self)["_client"], name, value)

    def __delattr__(self, name: str) -> None:
        vars(self).pop(name, None)
        delattr(vars(self)["_client"], name)

    def __dir__(self) -> list[str]:
        return dir(vars(self)["_client"])

    def __repr__(self) -> str:
        client, breaker = vars(self)["_client"], vars(self)["_breaker"]
        return f"<resilient {client!r} via circuit breaker {breaker.name!r}>"


def _guard(
    method: Callable[..., Coroutine[Any, Any, Any]], breaker: CircuitBreakerProtocol
) -> Callable[..., Coroutine[Any, Any, Any]]:
    @functools.wraps(method)
    async def guarded(*args: Any, **kwargs: Any) -> Any:
        return await breaker.call(method, *args, **kwargs)

    return guarded


def make_resilient(client: T, breaker: CircuitBreakerProtocol) -> T:
    """``client``, seen through ``breaker``: every ``async def`` method call is guarded."""
    return cast(T, _ResilientProxy(client, breaker))
