"""Protobuf wire-format primitives: the few encodings the OTLP messages need.

Tags are precomputed by the callers as byte constants; here are only the variable parts.
"""

from __future__ import annotations

import struct

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "double",
    "fixed32",
    "fixed64",
    "int64",
    "delimited",
    "utf8",
    "varint",
]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

#: Little-endian fixed-width fields: the bound ``pack`` methods themselves, no wrapper call.
fixed64 = struct.Struct("<Q").pack
fixed32 = struct.Struct("<I").pack
double = struct.Struct("<d").pack
#: Varints below 128 are one byte; a table skips the loop for the most common lengths and counts.
_SMALL = tuple(bytes((n,)) for n in range(128))


def varint(value: int) -> bytes:
    """An unsigned varint (``value`` >= 0): seven bits a byte, low first, high bit = more."""
    if value < 128:
        return _SMALL[value]
    out = bytearray()
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def int64(value: int) -> bytes:
    """A signed int64 as protobuf writes it: negatives as their 64-bit two's complement."""
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError(f"Value out of range: {value}")
    return varint(value & 0xFFFFFFFFFFFFFFFF) if value < 0 else varint(value)


def utf8(text: str) -> bytes:
    """``text`` as UTF-8; a lone surrogate (invalid in protobuf strings, which the collector would
    reject with the whole request) becomes ``?``, so one bad string loses no other data."""
    return text.encode("utf-8", "replace")


def delimited(payload: bytes) -> bytes:
    """A length-delimited payload (bytes, string, message) without its tag: length, payload."""
    return varint(len(payload)) + payload
