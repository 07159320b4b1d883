"""Telemetry never breaks a request: a failure on our side is logged once, then only counted."""

from __future__ import annotations

import logging

__all__ = ["report_failure"]

_log = logging.getLogger("huleedu_otel.quart")
_reported: set[str] = set()


def report_failure(what: str) -> None:
    """Call from an ``except`` block: the first failure of each kind logs its traceback."""
    if what in _reported:
        _log.debug("Quart instrumentation: %s failed again", what, exc_info=True)
        return
    _reported.add(what)
    _log.exception("Quart instrumentation: %s failed; the request goes on without it", what)
