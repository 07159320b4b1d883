"""Telemetry never breaks a request: a failure on our side is logged once, then only counted."""

from __future__ import annotations

import logging

from huleedu_service_libs._shared import report_once as _failures

__all__ = ["report_failure"]

_log = logging.getLogger("huleedu_otel.quart")


def report_failure(what: str) -> None:
    """Call from an ``except`` block: the first failure of each kind logs its traceback."""
    _failures.report_once(_log, what, "the request goes on without it")
