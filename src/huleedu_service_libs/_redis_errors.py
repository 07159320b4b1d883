"""redis-py's errors, translated at the edge into the library's error tree."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from redis.exceptions import (
    AuthenticationError,
    ConnectionError,
    RedisError,
    TimeoutError,
    WatchError,
)

from huleedu_service_libs.errors import RedisClientError, RedisUnavailableError

__all__ = ["is_watch_conflict", "translate", "translated_errors"]

_UNREACHABLE = (ConnectionError, TimeoutError)


def is_watch_conflict(exc: WatchError) -> bool:
    """A watched key changed, as opposed to the watching connection being lost.

    redis-py raises ``WatchError`` for both; only the loss happens while handling a
    connection error, so only the loss carries one as its context.
    """
    return not isinstance(exc.__context__, _UNREACHABLE)


def translate(exc: RedisError, where: str) -> RedisClientError:
    """Our error for ``exc``; ``where`` names the server without credentials."""
    if isinstance(exc, AuthenticationError):
        return RedisClientError(f"Redis at {where} refused the client's credentials")
    if isinstance(exc, _UNREACHABLE) or (
        isinstance(exc, WatchError) and not is_watch_conflict(exc)
    ):
        return RedisUnavailableError(f"Redis at {where} is unavailable ({type(exc).__name__})")
    return RedisClientError(f"Redis at {where} failed the command ({type(exc).__name__}: {exc})")


@contextmanager
def translated_errors(where: str) -> Iterator[None]:
    """Re-raise any redis-py error as ours, with the original as ``__cause__``."""
    try:
        yield
    except RedisError as exc:
        raise translate(exc, where) from exc
