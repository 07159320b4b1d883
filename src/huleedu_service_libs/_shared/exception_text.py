"""What telemetry may say about an exception: its type, its frames, and a message that quotes
no data.

Database errors quote what they were given: SQLAlchemy appends ``[SQL: ...]`` and
``[parameters: ...]``, PostgreSQL says ``invalid input syntax for type integer: "<value>"`` or
``Key (email)=(<value>) already exists``. An unhandled one reaches the HTTP span, the consumer's
span and the error log, so the message of an exception raised by a database library is withheld
there; every other message keeps its text with credentials masked (:func:`redact_text`).
"""

from __future__ import annotations

import traceback

from huleedu_service_libs._shared.redaction import redact_text

__all__ = ["WITHHELD", "exception_attributes", "safe_message", "safe_stacktrace"]

WITHHELD = "(message withheld: database errors quote statements and values)"
#: Top-level packages whose exceptions quote SQL text, parameters or column values.
_DATA_QUOTING_PACKAGES = frozenset(
    {"sqlalchemy", "asyncpg", "psycopg", "psycopg2", "aiosqlite", "sqlite3", "pymysql", "aiomysql"}
)
_MAX_CHAIN = 16
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def quotes_data(error: BaseException) -> bool:
    """Whether ``error`` comes from a database library (its text may quote data)."""
    return type(error).__module__.partition(".")[0] in _DATA_QUOTING_PACKAGES


def safe_message(error: BaseException) -> str:
    return WITHHELD if quotes_data(error) else redact_text(str(error))


def safe_stacktrace(error: BaseException) -> str:
    """Python's traceback of ``error`` and its causes, with each message made safe."""
    parts: list[str] = []
    chain = _chain(error)
    for position, link in enumerate(reversed(chain)):
        if position:
            parts.append(_CAUSE if link.__cause__ is not None else _CONTEXT)
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(link.__traceback__))
        parts.append(f"{_type_name(link)}: {safe_message(link)}\n")
    return redact_text("".join(parts))  # source lines may hold credentials too


def exception_attributes(error: BaseException) -> dict[str, str]:
    """``exception.message`` and ``exception.stacktrace`` for ``span.record_exception``."""
    return {
        "exception.message": safe_message(error),
        "exception.stacktrace": safe_stacktrace(error),
    }


def _chain(error: BaseException) -> list[BaseException]:
    """``error``, then what caused it, then what caused that... (bounded, cycle-safe)."""
    chain: list[BaseException] = []
    link: BaseException | None = error
    while link is not None and len(chain) < _MAX_CHAIN and all(link is not c for c in chain):
        chain.append(link)
        link = link.__cause__ or (None if link.__suppress_context__ else link.__context__)
    return chain


def _type_name(error: BaseException) -> str:
    cls = type(error)
    return (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )
