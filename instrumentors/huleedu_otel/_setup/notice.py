"""Messages an operator must see even before the service has set up logging.

Once the OTel log handler sits on the root logger, Python no longer falls back to printing
warnings on stderr; a message that only went to the handler would reach the collector but never
the terminal. :func:`notice` logs as usual and echoes to stderr when no console handler would.
"""

from __future__ import annotations

import logging
import sys


def notice(logger: logging.Logger, level: int, message: str, *args: object) -> None:
    logger.log(level, message, *args)
    if not _shown_on_a_console(logger, level):
        sys.stderr.write((message % args if args else message) + "\n")


def _shown_on_a_console(logger: logging.Logger, level: int) -> bool:
    if not logger.isEnabledFor(level):
        return False
    handlers: list[logging.Handler] = []
    current: logging.Logger | None = logger
    while current is not None:
        handlers.extend(current.handlers)
        current = current.parent if current.propagate else None
    if not handlers:  # Python's last resort prints warnings and worse on stderr
        return logging.lastResort is not None and level >= logging.lastResort.level
    return any(
        not type(h).__module__.startswith("opentelemetry") and level >= h.level for h in handlers
    )
