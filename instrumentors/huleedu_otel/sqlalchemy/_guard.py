"""Telemetry never breaks the database call: a listener's failure is logged once, then swallowed."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec

P = ParamSpec("P")

_log = logging.getLogger("huleedu_otel.sqlalchemy")
_reported: set[str] = set()


def guarded(listener: Callable[P, None], what: str) -> Callable[P, None]:
    """``listener``, with any exception it raises reported and kept from SQLAlchemy."""

    @functools.wraps(listener)
    def guard(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            listener(*args, **kwargs)
        except Exception:
            report_once(what)

    return guard


def report_once(what: str) -> None:
    """Log the exception being handled: with its traceback the first time, quietly after."""
    if what in _reported:
        _log.debug("SQLAlchemy telemetry failed again in %s", what, exc_info=True)
        return
    _reported.add(what)
    _log.exception("SQLAlchemy telemetry failed in %s; the database call went on", what)
