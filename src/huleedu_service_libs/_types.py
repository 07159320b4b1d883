"""The value types the protocols speak in: a leaf module that imports nothing of this package.

``protocols`` and the packages that implement them (``idempotency``, ``resilience``, the Kafka
span helpers) all take these from here, so no import circle runs through the protocols. The
public paths stay where the seed and the README show them: ``idempotency.ClaimState``,
``resilience.CircuitBreakerState``, ``protocols.ConsumerRecordLike``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Protocol, TypeVar

__all__ = ["CircuitBreakerState", "ClaimState", "ConsumerRecordLike", "RecordT"]


class ClaimState(enum.Enum):
    """A key's state as an idempotency claim found it."""

    CLAIMED = 0  # it was free; the caller now holds its lease
    DONE = 1  # processed before, within the done marker's TTL
    IN_PROGRESS = 2  # another attempt holds the lease right now


class CircuitBreakerState(enum.Enum):
    """Where the breaker is; the value is what metrics and span events carry."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class ConsumerRecordLike(Protocol):
    """What the library reads of a consumed Kafka record; aiokafka's ``ConsumerRecord`` fits.

    The idempotent consumer derives the event id from ``value``; the ``process`` span reads the
    rest. Read-only, so any record type with these attributes qualifies.
    """

    @property
    def topic(self) -> str: ...

    @property
    def partition(self) -> int: ...

    @property
    def offset(self) -> int: ...

    @property
    def key(self) -> object: ...

    @property
    def value(self) -> bytes | None: ...

    @property
    def headers(self) -> Sequence[tuple[str, bytes]] | None: ...


#: A handler's own record type, kept through the idempotency guards.
RecordT = TypeVar("RecordT", bound=ConsumerRecordLike)
