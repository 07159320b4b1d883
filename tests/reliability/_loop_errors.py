"""What the event loop reports on its own: a task's exception nobody retrieved, a callback that
raised. Outage code must leave none behind, so the tests collect them and expect none."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def loop_errors_reported() -> Iterator[list[str]]:
    """Collect the running loop's error reports for the block (the list is complete after it)."""
    loop = asyncio.get_running_loop()
    reported: list[str] = []
    previous = loop.get_exception_handler()

    def collect(_loop: asyncio.AbstractEventLoop, report: dict[str, Any]) -> None:
        reported.append(f"{report.get('message')}: {report.get('exception')!r}")

    loop.set_exception_handler(collect)
    try:
        yield reported
    finally:
        gc.collect()  # a dropped task with an unretrieved exception reports when collected
        loop.set_exception_handler(previous)
