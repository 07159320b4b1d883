"""The edge between redis-py and the library: its errors translated into ours, and the
cancellations it loses raised again.

On Python 3.11 redis-py sends every command under ``asyncio.wait_for``, which returns the
inner result instead of raising when a cancellation arrives just as the send completes (fixed
in 3.12, whose ``wait_for`` is built on ``asyncio.timeout``). The task then runs on as if no one
had asked it to stop: ``task.cancel(); await task`` waits for whatever it does next, and an
``asyncio.timeout`` around the command does not fire. The cancellation was still requested, so
``Task.cancelling()`` rose across the call; when it did and the call did not raise
``CancelledError``, we raise it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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
    """Around redis-py calls: any redis-py error re-raised as ours (the original as
    ``__cause__``), and a cancellation the calls lost raised again (see the module docstring)."""
    task = asyncio.current_task()
    requested = task.cancelling() if task is not None else 0
    try:
        yield
    except RedisError as exc:
        _raise_lost_cancellation(task, requested)
        raise translate(exc, where) from exc
    _raise_lost_cancellation(task, requested)


def _raise_lost_cancellation(task: asyncio.Task[Any] | None, requested: int) -> None:
    if task is not None and task is asyncio.current_task() and task.cancelling() > requested:
        raise asyncio.CancelledError
