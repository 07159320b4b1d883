"""Telemetry never breaks the call it observes: our own failure is reported once, then swallowed.

Every instrumentor wraps its telemetry work in ``try``/``except`` and calls :func:`report_once`
from the ``except`` block. The first failure of each kind logs its traceback at ERROR, so a
broken exporter or hook is noticed; repeats go to DEBUG, so a failure on every request cannot
flood the logs it would be shipped with.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec

P = ParamSpec("P")

_reported: set[tuple[str, str]] = set()


def report_once(logger: logging.Logger, what: str, consequence: str) -> None:
    """Log the exception being handled: with its traceback the first time, quietly after."""
    key = (logger.name, what)
    if key in _reported:
        logger.debug("Telemetry failed again in %s", what, exc_info=True)
        return
    _reported.add(key)
    logger.exception("Telemetry failed in %s; %s", what, consequence)


def guarded(
    call: Callable[P, None], logger: logging.Logger, what: str, consequence: str
) -> Callable[P, None]:
    """``call``, with any exception it raises reported once and kept from the caller."""

    @functools.wraps(call)
    def guard(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            call(*args, **kwargs)
        except Exception:
            report_once(logger, what, consequence)

    return guard
