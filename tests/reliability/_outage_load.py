"""A load for outage tests: concurrent tasks calling one operation, every call recorded.

Each task awaits ``operation(n)`` (``n`` unique per call) in a loop until the load stops; a
failed call is followed by a short pause, as a real caller's retry would be. The calls are kept
with their start, duration and error, so a test can ask what happened in each phase of a fault.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType

import pytest

#: How long stopping may take: every in-flight call must have ended by then (the hang check).
STOP_WITHIN_SECONDS = 15.0


@dataclass(frozen=True)
class Call:
    task: int
    started: float
    seconds: float
    error: BaseException | None

    @property
    def ended(self) -> float:
        return self.started + self.seconds


class OutageLoad:
    """``tasks`` concurrent loops over ``operation``; ``async with`` starts and stops them."""

    def __init__(
        self,
        operation: Callable[[int], Awaitable[object]],
        *,
        tasks: int,
        pause_after_error: float = 0.01,
    ) -> None:
        self.calls: list[Call] = []
        self._operation = operation
        self._tasks = tasks
        self._pause = pause_after_error
        self._serial = itertools.count()
        self._stopping = asyncio.Event()
        self._running: list[asyncio.Task[None]] = []
        self._in_flight: dict[int, float] = {}

    async def __aenter__(self) -> OutageLoad:
        self._running = [asyncio.create_task(self._loop(task)) for task in range(self._tasks)]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        async with asyncio.timeout(STOP_WITHIN_SECONDS):
            await asyncio.gather(*self._running)

    async def _loop(self, task: int) -> None:
        while not self._stopping.is_set():
            started = self._in_flight[task] = time.monotonic()
            error: BaseException | None = None
            try:
                await self._operation(next(self._serial))
            except Exception as exc:
                error = exc
            del self._in_flight[task]
            self.calls.append(Call(task, started, time.monotonic() - started, error))
            await asyncio.sleep(self._pause if error is not None else 0)

    async def until(self, condition: Callable[[], bool], within: float = 20.0) -> None:
        """Wait for ``condition`` while the load runs; fail the test if it never holds."""
        await eventually(condition, within)

    def all_waiting(self, seconds: float) -> bool:
        """True when every task's current call has been waiting at least ``seconds``."""
        now = time.monotonic()
        waiting = [task for task, started in self._in_flight.items() if now - started >= seconds]
        return len(waiting) == self._tasks

    def between(self, start: float, end: float = float("inf")) -> list[Call]:
        """The calls that started in ``[start, end)``."""
        return [call for call in self.calls if start <= call.started < end]


async def eventually(condition: Callable[[], bool], within: float = 20.0) -> None:
    """Poll ``condition`` every 10 ms until it holds; fail (``TimeoutError``) after ``within``."""
    async with asyncio.timeout(within):
        while True:
            if condition():
                return
            await asyncio.sleep(0.01)


def succeeded(calls: list[Call]) -> list[Call]:
    return [call for call in calls if call.error is None]


def failed(calls: list[Call]) -> list[Call]:
    return [call for call in calls if call.error is not None]


def tasks_of(calls: list[Call]) -> set[int]:
    return {call.task for call in calls}


def figures(calls: list[Call]) -> str:
    """Count, median and maximum duration of ``calls``, for the report."""
    if not calls:
        return "0 calls"
    seconds = [call.seconds for call in calls]
    return (
        f"{len(calls)} calls, median {statistics.median(seconds) * 1000:.1f} ms, "
        f"max {max(seconds) * 1000:.1f} ms"
    )


def report(request: pytest.FixtureRequest, **figures: str) -> None:
    """Keep figures with the test's result (``--junitxml`` with ``junit_family=legacy``)."""
    request.node.user_properties.extend(figures.items())
