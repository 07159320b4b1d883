"""Telemetry never breaks the call it observes: a failure is reported once, then kept quiet.

Every component that must not let its own failure through (an instrumentor's wrapper, a span
helper on the Kafka path, a breaker's listener, the idempotency guard's fail-open branch) holds
one :class:`ReportOnce` and calls it from its ``except`` block. The first failure of each kind
logs its traceback at the reporter's level, so a broken exporter or hook is noticed; repeats go
to DEBUG, so a failure on every request cannot flood the logs it would be shipped with.

A reporter made at module level dedupes for the whole process; one made per object (a breaker)
dedupes per object.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from types import TracebackType
from typing import ParamSpec

__all__ = ["ReportOnce", "report_once"]

P = ParamSpec("P")


class ReportOnce:
    """Reports the exception being handled as ``message % what``: with its traceback once per
    ``what``, at DEBUG after that."""

    __slots__ = ("_level", "_logger", "_message", "_repeats", "_reported")

    def __init__(
        self,
        logger: logging.Logger,
        message: str,
        *,
        level: int = logging.ERROR,
        repeats: int | None = logging.DEBUG,
    ) -> None:
        """``message`` holds one ``%s`` for what failed, e.g. ``"Telemetry failed in %s; ..."``.

        ``repeats`` is the level of the later reports; ``None`` drops them (where a report could
        come back through the failing code, as in the log bridge).
        """
        self._logger = logger
        self._message = message
        self._level = level
        self._repeats = repeats
        self._reported: set[str] = set()

    def __call__(self, what: str, error: BaseException | None = None) -> None:
        """Call from an ``except`` block (or pass the ``error`` explicitly)."""
        exc_info: BaseException | bool = True if error is None else error
        if what not in self._reported:
            self._reported.add(what)
            self._logger.log(self._level, self._message, what, exc_info=exc_info)
        elif self._repeats is not None:
            self._logger.log(self._repeats, self._message, what, exc_info=exc_info)

    def guarded(self, call: Callable[P, None], what: str) -> Callable[P, None]:
        """``call``, with any exception it raises reported and kept from the caller."""

        @functools.wraps(call)
        def guard(*args: P.args, **kwargs: P.kwargs) -> None:
            try:
                call(*args, **kwargs)
            except Exception:
                self(what)

        return guard

    def suppressing(self, what: str) -> Suppressing:
        """A ``with`` block whose exceptions (not cancellations) are reported and swallowed."""
        return Suppressing(self, what)


class Suppressing:
    """The context manager of :meth:`ReportOnce.suppressing`.

    A class, not ``@contextmanager``: it sits on every message's path, and a generator-based
    context manager costs several times more per use.
    """

    __slots__ = ("_report", "_what")

    def __init__(self, report: ReportOnce, what: str) -> None:
        self._report = report
        self._what = what

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False
        self._report(self._what, exc)
        return True


_by_logger: dict[tuple[str, str], ReportOnce] = {}


def report_once(logger: logging.Logger, what: str, consequence: str) -> None:
    """The one-off form: ``Telemetry failed in {what}; {consequence}``, once per logger and what."""
    key = (logger.name, consequence)
    reporter = _by_logger.get(key)
    if reporter is None:
        reporter = _by_logger.setdefault(
            key, ReportOnce(logger, "Telemetry failed in %s; " + consequence.replace("%", "%%"))
        )
    reporter(what)
