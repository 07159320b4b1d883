"""Short full collections: the start-up heap is frozen once the service's event loop runs.

What a service builds at start-up (modules, classes, the SDK, the app and its clients) lives as
long as the process, yet every full collection walks all of it: with the SDK loaded, 100-300 ms
on a 2-core machine under load. And spans and log records waiting in the export queues survive
into the oldest generation quickly enough to trigger such a collection every few seconds. Those
pauses made the service's p99. One second after the first event loop starts running (the app is
imported and starting), the collector runs once and :func:`gc.freeze` moves every survivor out
of its way; full collections then only walk what the service allocated since.
``HULEEDU_OTEL_GC_FREEZE=false`` leaves the collector alone.
"""

from __future__ import annotations

import asyncio
import gc
import threading

#: Time for the app's own start-up (lifespan hooks, pools) to finish before its heap is frozen.
DELAY_SECONDS = 1.0


class HeapFreezer:
    """Freezes the heap once, a moment after the first event loop it is shown starts."""

    def __init__(self, delay: float = DELAY_SECONDS) -> None:
        self._delay = delay
        self._lock = threading.Lock()
        self._scheduled = False
        self.frozen = threading.Event()

    def loop_started(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            if self._scheduled:
                return
            self._scheduled = True
        loop.call_later(self._delay, self._freeze)

    def _freeze(self) -> None:
        gc.collect()  # whatever start-up left as garbage goes now, not into the frozen heap
        gc.freeze()
        self.frozen.set()
