"""Telemetry never breaks the database call: a listener's failure is logged once, then swallowed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ParamSpec

from huleedu_service_libs._shared import report_once as _failures

P = ParamSpec("P")

_log = logging.getLogger("huleedu_otel.sqlalchemy")
_CONSEQUENCE = "the database call went on"


def guarded(listener: Callable[P, None], what: str) -> Callable[P, None]:
    """``listener``, with any exception it raises reported and kept from SQLAlchemy."""
    return _failures.guarded(listener, _log, what, _CONSEQUENCE)


def report_once(what: str) -> None:
    _failures.report_once(_log, what, _CONSEQUENCE)
