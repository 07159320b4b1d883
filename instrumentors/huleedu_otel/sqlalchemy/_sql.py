"""Summarise a SQL statement for telemetry: operation, collection, and text without literals.

Telemetry may never carry values (passwords, e-mail addresses, ids), so every string, number
and dollar-quoted literal becomes ``?``; comments go (they may carry anything); IN-lists and
multi-row VALUES collapse to one entry so one query shape is one ``db.query.text``.
The result is cached per statement: SQLAlchemy re-sends the same compiled string for every
execution, so the regular expressions run once per query shape, not once per execution.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<comment>--[^\n]*|/\*.*?\*/)
    |(?P<string>[EeNnXxBbUu]?&?'(?:[^']|'')*')
    |(?P<dollar>\$(?P<tag>[A-Za-z_]\w*|)\$.*?\$(?P=tag)\$)
    |(?P<identifier>"(?:[^"]|"")*"|`[^`]*`)
    |(?P<placeholder>\$\d+|%\(\w+\)s|%s|:\w+|\?)
    |(?P<word>[A-Za-z_][\w$]*)
    |(?P<number>0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    """,
    re.VERBOSE | re.DOTALL,
)
_LITERALS = frozenset({"string", "dollar", "number"})
_ITEM = r"(?:\?|\$\d+|%\(\w+\)s|%s|:\w+)(?:\s*::\s*[\w ]+?)?"
_IN_LIST = re.compile(rf"\bIN\s*\(\s*{_ITEM}(?:\s*,\s*{_ITEM})*\s*\)", re.IGNORECASE)
_VALUES_ROWS = re.compile(r"(\bVALUES\s*\([^()]*\))(?:\s*,\s*\([^()]*\))+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")

_NAME = r'(?:"[^"]+"|[A-Za-z_][\w$]*)(?:\.(?:"[^"]+"|[A-Za-z_][\w$]*))*'
_SINGLE_TARGET = re.compile(
    rf"^(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?"
    rf"|(?:CREATE|DROP|ALTER)\s+TABLE(?:\s+IF\s+(?:NOT\s+)?EXISTS)?)\s+({_NAME})",
    re.IGNORECASE,
)
_SOURCES = re.compile(rf"\b(?:FROM|JOIN)\s+({_NAME})", re.IGNORECASE)
_COMMA_JOIN = re.compile(rf"\bFROM\s+{_NAME}(?:\s+(?:AS\s+)?\w+)?\s*,", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class StatementSummary:
    """What telemetry may say about one statement."""

    operation: str | None
    collection: str | None
    text: str

    @property
    def span_name(self) -> str | None:
        """``{operation} {collection}``, the operation alone, or ``None`` when neither is known."""
        if self.operation and self.collection:
            return f"{self.operation} {self.collection}"
        return self.operation


#: Longer statements (literal-laden bulk inserts) are summarised every time, not kept.
_CACHED_LENGTH = 8_192


def summarize(statement: str) -> StatementSummary:
    if len(statement) > _CACHED_LENGTH:
        return _summarize(statement)
    return _cached_summarize(statement)


def _summarize(statement: str) -> StatementSummary:
    text = redact(statement)
    operation = _operation(text)
    return StatementSummary(operation, _collection(text, operation), text)


_cached_summarize = functools.lru_cache(maxsize=2048)(_summarize)


def redact(statement: str) -> str:
    """The statement with literals replaced by ``?`` and comments removed."""
    text = _TOKEN.sub(_replace_token, statement)
    text = _IN_LIST.sub("IN (?)", text)
    text = _VALUES_ROWS.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


def _replace_token(match: re.Match[str]) -> str:
    kind = match.lastgroup
    if kind in _LITERALS:
        return "?"
    if kind == "comment":
        return " "
    return match.group()


def _operation(text: str) -> str | None:
    first = text.split(maxsplit=1)
    if not first or not first[0][:1].isalpha():
        return None
    return first[0].upper()


def _collection(text: str, operation: str | None) -> str | None:
    """The one table the statement works on; ``None`` when there are several or none."""
    target = _SINGLE_TARGET.match(text)
    if target:
        return _unquote(target.group(1))
    if operation not in {"SELECT", "WITH"} or _COMMA_JOIN.search(text):
        return None
    sources = {_unquote(name) for name in _SOURCES.findall(text)}
    return sources.pop() if len(sources) == 1 else None


def _unquote(name: str) -> str:
    return name.replace('"', "")
