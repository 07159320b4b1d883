"""Export batches small enough not to stall the event loop.

A batch processor encodes each batch to protobuf on its worker thread, holding the GIL but for
the interpreter's switch interval (5 ms) at a time; meanwhile every request on the loop thread
waits for the GIL at each of its system calls. With the SDK's default of 512 items a batch takes
tens of milliseconds to encode, and the requests that overlap it make the p99. Batches of 64
keep each burst to a few milliseconds for the same total work (a few more export calls per
second under load). A user who sets the batch or queue size (``OTEL_BSP_*`` / ``OTEL_BLRP_*``)
gets the SDK's handling of those variables unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

DEFAULT_BATCH_SIZE = 64
SPANS = "OTEL_BSP"
LOGS = "OTEL_BLRP"


def batch_size(prefix: str, env: Mapping[str, str] | None = None) -> int | None:
    """Our default, or ``None`` (the SDK reads the variables) when the user sized the batches."""
    env = os.environ if env is None else env
    sized = (
        env.get(f"{prefix}_{name}", "").strip()
        for name in ("MAX_EXPORT_BATCH_SIZE", "MAX_QUEUE_SIZE")
    )
    return None if any(sized) else DEFAULT_BATCH_SIZE
