"""Per-task WATCH/MULTI state, so concurrent tasks never see each other's transaction.

WATCH is a property of a connection, so each task that starts a transaction gets its own
pipeline, which holds one pooled connection until ``exec``/``unwatch`` gives it back. The state
is keyed by the task itself rather than held in a ``ContextVar``: a child task copies its
parent's context, and would otherwise inherit (and could consume) the parent's open
transaction. A task that ends with a transaction still open gives the connection back too.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

__all__ = ["TaskTransactions", "begin_multi", "release"]

_log = logging.getLogger(__name__)

_Task = asyncio.Task[Any]


@dataclass(frozen=True)
class _Open:
    pipeline: Pipeline
    on_task_done: Callable[[_Task], None]


class TaskTransactions:
    """The open transaction (a dedicated pipeline) of each task using one client."""

    def __init__(self) -> None:
        self._by_task: weakref.WeakKeyDictionary[_Task, _Open] = weakref.WeakKeyDictionary()
        self._releasing: set[asyncio.Task[None]] = set()

    def current(self) -> Pipeline | None:
        """The calling task's pipeline, or ``None`` outside a transaction."""
        found = self._by_task.get(_current_task())
        return found.pipeline if found is not None else None

    def open(self, client: Redis) -> Pipeline:
        """The calling task's pipeline, created on first use."""
        task = _current_task()
        found = self._by_task.get(task)
        if found is not None:
            return found.pipeline
        opened = _Open(client.pipeline(transaction=True), self._release_abandoned)
        self._by_task[task] = opened
        task.add_done_callback(opened.on_task_done)
        return opened.pipeline

    def take(self) -> Pipeline | None:
        """Remove and return the calling task's pipeline; the caller finishes it."""
        task = _current_task()
        found = self._by_task.pop(task, None)
        if found is None:
            return None
        task.remove_done_callback(found.on_task_done)
        return found.pipeline

    async def close_all(self) -> None:
        """Give every open transaction's connection back (on ``stop``)."""
        pipelines = [found.pipeline for found in self._by_task.values()]
        self._by_task.clear()
        await asyncio.gather(
            *(release(p) for p in pipelines), *self._releasing, return_exceptions=True
        )

    def _release_abandoned(self, task: _Task) -> None:
        found = self._by_task.pop(task, None)
        if found is None:
            return
        _log.warning("A task ended inside a Redis transaction; discarding it")
        releasing = asyncio.get_running_loop().create_task(release(found.pipeline))
        self._releasing.add(releasing)
        releasing.add_done_callback(self._releasing.discard)


def _current_task() -> _Task:
    task = asyncio.current_task()
    if task is None:
        raise RuntimeError("Redis transactions must run inside an asyncio task")
    return task


# redis-py leaves these two unannotated; the ignores stay here.


async def release(pipeline: Pipeline) -> None:
    """UNWATCH if watching, drop queued commands, and give the connection back to the pool."""
    await pipeline.reset()  # type: ignore[no-untyped-call]


def begin_multi(pipeline: Pipeline) -> None:
    """Queue the following commands until ``execute``."""
    pipeline.multi()  # type: ignore[no-untyped-call]
