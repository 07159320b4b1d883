"""Which incoming correlation ids are reused: one rule for HTTP requests and Kafka records.

An id is accepted when it is short and harmless in logs, headers and span attributes (1-128
characters of ``A-Z a-z 0-9 . _ : -``); anything else (a megabyte of text, control characters,
spaces) is replaced by a generated id. The Quart instrumentor, the correlation middleware, the
error handlers and the consumer's process span all decide with :func:`accepts`.
"""

from __future__ import annotations

import re

__all__ = ["accepts", "accepts_bytes"]

_PATTERN = r"[A-Za-z0-9._:\-]{1,128}"
_TEXT = re.compile(_PATTERN)
_BYTES = re.compile(_PATTERN.encode("ascii"))


def accepts(value: str | None) -> bool:
    """Whether an incoming id ``value`` is reused as the correlation id."""
    return value is not None and _TEXT.fullmatch(value) is not None


def accepts_bytes(value: bytes | None) -> bool:
    """:func:`accepts` for a raw ASGI header value (the instrumentor's hot path)."""
    return value is not None and _BYTES.fullmatch(value) is not None
