"""The correlation id of the work in progress (an HTTP request, a consumed event).

One context variable is the source of truth: the Quart instrumentor sets it per request from
``X-Correlation-ID`` (or a new one), the consumer side sets it per event, and the logging
processors and span attributes read it. It is also bound in structlog's contextvars so every
log line carries it.
"""

from __future__ import annotations

import functools
import os
from contextvars import ContextVar, Token
from types import ModuleType

__all__ = [
    "CORRELATION_HEADER",
    "bind_correlation_id",
    "get_correlation_id",
    "new_correlation_id",
    "reset_correlation_id",
]

#: Header that carries the id between services.
CORRELATION_HEADER = "X-Correlation-ID"

_correlation_id: ContextVar[str | None] = ContextVar("huleedu_correlation_id", default=None)


def get_correlation_id() -> str | None:
    return _correlation_id.get()


def new_correlation_id() -> str:
    """A random (version 4) UUID string; formatted directly, at a third of ``uuid4()``'s cost.

    Every request without an incoming id needs one, so this sits on the HTTP hot path.
    """
    h = os.urandom(16).hex()
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}"


def bind_correlation_id(value: str) -> Token[str | None]:
    """Make ``value`` current for this task and its children; undo with the returned token."""
    _structlog_contextvars().bind_contextvars(correlation_id=value)
    return _correlation_id.set(value)


def reset_correlation_id(token: Token[str | None]) -> None:
    _correlation_id.reset(token)
    previous = _correlation_id.get()
    if previous is None:
        _structlog_contextvars().unbind_contextvars("correlation_id")
    else:
        _structlog_contextvars().bind_contextvars(correlation_id=previous)


@functools.cache
def _structlog_contextvars() -> ModuleType:
    """structlog on first bind: reading the id (error details, envelopes) needs none of it."""
    import structlog.contextvars

    return structlog.contextvars
