"""Captured headers as ``http.request.header.<name>`` / ``http.response.header.<name>``.

Only the headers the standard variables name are captured, credentials never (see
:data:`~huleedu_otel.quart._settings.NEVER_CAPTURED`), and sanitised ones as ``[REDACTED]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from huleedu_otel.quart._limits import MAX_HEADER_VALUE, clipped
from huleedu_otel.quart._settings import HeaderCapture

__all__ = ["captured_headers"]


def captured_headers(
    capture: HeaderCapture,
    direction: Literal["request", "response"],
    raw: Iterable[tuple[bytes, bytes]],
) -> dict[str, list[str]]:
    """The attributes for the wanted headers among ``raw`` (ASGI's list of byte pairs)."""
    pattern = capture.request if direction == "request" else capture.response
    found: dict[str, list[str]] = {}
    for raw_name, raw_value in raw:
        name = raw_name.decode("latin-1").lower()
        if capture.wanted(pattern, name):
            key = f"http.{direction}.header.{name}"
            value = clipped(raw_value.decode("latin-1"), MAX_HEADER_VALUE)
            found.setdefault(key, []).append(capture.value(name, value))
    return found
