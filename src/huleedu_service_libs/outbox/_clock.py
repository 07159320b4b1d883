"""Write times that never repeat within a process: rows of one key keep their write order even
when several are written within one microsecond (the database's resolution)."""

from __future__ import annotations

import datetime
import threading

__all__ = ["write_time"]

_TICK = datetime.timedelta(microseconds=1)
_lock = threading.Lock()
_last = datetime.datetime.min.replace(tzinfo=datetime.UTC)


def write_time() -> datetime.datetime:
    """Now, in UTC, strictly later than the previous call's result."""
    global _last
    with _lock:
        _last = max(datetime.datetime.now(datetime.UTC), _last + _TICK)
        return _last
