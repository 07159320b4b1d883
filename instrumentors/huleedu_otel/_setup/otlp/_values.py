"""AnyValue, KeyValue and attribute lists as OTLP bytes, with the repeating pairs cached.

Most attributes a service sets repeat from request to request (a method, a route, a database
system, a statement text, a server address), so the encoded ``KeyValue`` of a (key, scalar value)
pair is kept and reused. The cache key holds the value's type, so ``True``, ``1`` and ``1.0``
never share an entry, and floats are keyed by their bits, so ``0.0`` and ``-0.0`` do not either.
The cache is cleared when it reaches its bound, and long strings (value or key) are never kept.

A ``KeyValue`` is returned length-prefixed (length varint + message), so the caller only puts
its own one-byte field tag in front: attribute lists sit under different field numbers in
spans, events, links, log records, resources and scopes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from huleedu_otel._setup.otlp._wire import delimited, double, int64, utf8
from huleedu_service_libs._shared.report_once import ReportOnce

__all__ = [
    "KV_CACHE_BOUND",
    "MAX_CACHED_LENGTH",
    "any_value",
    "attributes",
    "cache_size",
    "key_value",
    "text_field",
]

KV_CACHE_BOUND = 4096
MAX_CACHED_LENGTH = 256

_report = ReportOnce(
    logging.getLogger(__name__),
    "Telemetry could not encode an attribute value of type %s for OTLP; that attribute is left out",
)

#: (key, type, value) -> length-prefixed KeyValue; module-level so every exporter shares it.
#: Plain dict operations are atomic under the GIL, and a clear racing a fill only costs a miss.
_kv_cache: dict[tuple[str, type, object], bytes] = {}
_texts: dict[tuple[bytes, str], bytes] = {}
_CACHED_SCALARS = frozenset({str, bool, int, float, bytes})

_TRUE = b"\x10\x01"
_FALSE = b"\x10\x00"


def any_value(value: Any) -> bytes:
    """The fields of an ``AnyValue`` (without its own length), chosen like upstream's encoder.

    The order of the checks matters as upstream's does: bool before int, str and bytes before
    the generic Sequence. ``None`` is the empty AnyValue. Anything else raises.
    """
    if value is None:
        return b""
    if isinstance(value, bool):
        return _TRUE if value else _FALSE
    if isinstance(value, str):
        return b"\x0a" + delimited(utf8(value))
    if isinstance(value, int):
        return b"\x18" + int64(value)
    if isinstance(value, float):
        return b"\x21" + double(value)
    if isinstance(value, bytes):
        return b"\x3a" + delimited(value)
    if isinstance(value, Sequence):
        return b"\x2a" + delimited(b"".join([b"\x0a" + delimited(any_value(v)) for v in value]))
    if isinstance(value, Mapping):
        pairs = b"".join([b"\x0a" + key_value(str(k), v) for k, v in value.items()])
        return b"\x32" + delimited(pairs)
    raise TypeError(f"Invalid type {type(value)} of value {value}")


def _encode_key_value(key: str, value: Any) -> bytes:
    return delimited(b"\x0a" + delimited(utf8(key)) + b"\x12" + delimited(any_value(value)))


def key_value(key: str, value: Any) -> bytes:
    """A length-prefixed ``KeyValue``; from the cache when the value is a short scalar."""
    kind = type(value)
    if kind not in _CACHED_SCALARS:
        return _encode_key_value(key, value)
    cache_key = (key, kind, double(value) if kind is float else value)
    encoded = _kv_cache.get(cache_key)
    if encoded is None:
        encoded = _encode_key_value(key, value)
        short_value = (kind is not str and kind is not bytes) or len(value) <= MAX_CACHED_LENGTH
        if short_value and len(key) <= MAX_CACHED_LENGTH:
            if len(_kv_cache) >= KV_CACHE_BOUND:
                _kv_cache.clear()
            _kv_cache[cache_key] = encoded
    return encoded


def text_field(tag: bytes, text: str) -> bytes:
    """A string field whose values repeat (span names, severity texts, log messages), kept by
    (tag, text) under the same bounds as the pairs; an empty string is no field (proto3)."""
    cache_key = (tag, text)
    encoded = _texts.get(cache_key)
    if encoded is None:
        encoded = tag + delimited(utf8(text)) if text else b""
        if len(text) <= MAX_CACHED_LENGTH:
            if len(_texts) >= KV_CACHE_BOUND:
                _texts.clear()
            _texts[cache_key] = encoded
    return encoded


def attributes(tag: bytes, attrs: Mapping[str, Any] | None) -> bytes:
    """Every pair of ``attrs`` as a repeated KeyValue field under the one-byte ``tag``.

    A pair that cannot be encoded is reported (once per value type) and left out, so the span
    or log record still goes out, as upstream does.
    """
    if not attrs:
        return b""
    # The SDK's BoundedAttributes keep their pairs in a plain dict; iterating that skips the
    # Python-level ItemsView of the Mapping ABC (a third of this function's time otherwise).
    pairs = getattr(attrs, "_dict", None)
    if type(pairs) is not dict:
        pairs = attrs
    encoded = []
    cached = _kv_cache.get
    for key, value in pairs.items():
        kind = type(value)
        if kind is str or kind is int or kind is bool:  # the cache hit, inlined: most pairs
            hit = cached((key, kind, value))
            if hit is not None:
                encoded.append(hit)
                continue
        try:
            encoded.append(key_value(key, value))
        except Exception:
            _report(type(value).__name__)
    return tag + tag.join(encoded) if encoded else b""


def cache_size() -> int:
    """How many pairs the cache holds (for the tests of its bound)."""
    return len(_kv_cache)
