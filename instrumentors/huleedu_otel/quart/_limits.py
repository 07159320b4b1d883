"""Caps on what a request can put into span attributes.

The path, query, user agent and captured headers are chosen by whoever sends the request. The
SDK keeps attribute values whole unless ``OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`` is set, so without
these caps one hostile request (a megabyte-long path) would be copied into every span export.
Well-behaved clients stay far below them.
"""

from __future__ import annotations

__all__ = ["MAX_HEADER_VALUE", "MAX_METHOD", "MAX_PATH", "MAX_QUERY", "MAX_USER_AGENT", "clipped"]

MAX_PATH = 2048
MAX_QUERY = 2048
MAX_USER_AGENT = 512
MAX_HEADER_VALUE = 1024
MAX_METHOD = 32


def clipped(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, and encodable as UTF-8 (OTLP requires it)."""
    if len(text) > limit:
        text = text[:limit]
    if text.isascii():
        return text
    return text.encode("utf-8", "replace").decode("utf-8")
