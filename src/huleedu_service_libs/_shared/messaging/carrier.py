"""Kafka record headers as an OpenTelemetry propagation carrier (``[(name, bytes), ...]``)."""

from __future__ import annotations

from collections.abc import Iterable, MutableSequence
from typing import Any

from opentelemetry.propagators.textmap import Getter, Setter

Headers = Iterable[tuple[str, bytes | None]]


class HeaderGetter(Getter[Headers]):
    """Reads the last value of a header; values that are not UTF-8 are treated as absent."""

    def get(self, carrier: Headers, key: str) -> list[str] | None:
        found = None
        for name, value in carrier or ():
            if name == key and value is not None:
                found = value
        if found is None:
            return None
        try:
            return [bytes(found).decode("utf-8")]
        except UnicodeDecodeError:
            return None

    def keys(self, carrier: Headers) -> list[str]:
        return [name for name, _ in carrier or ()]


class HeaderSetter(Setter[MutableSequence[tuple[str, bytes]]]):
    """Replaces a header of the same name, so a re-sent record never carries two traceparents."""

    def set(self, carrier: MutableSequence[tuple[str, bytes]], key: str, value: str) -> None:
        carrier[:] = [(name, v) for name, v in carrier if name != key]
        carrier.append((key, value.encode("utf-8")))


def as_header_list(headers: Any) -> list[tuple[str, bytes]]:
    """A fresh, mutable copy of the caller's headers (which may be a tuple or ``None``)."""
    return list(headers) if headers else []


header_getter = HeaderGetter()
header_setter = HeaderSetter()
