"""Typed use of the resilience API: mypy --strict must accept this file as is (see test_typing).

``assert_type`` fails the type check if an inferred type is not exactly the one stated, so the
file proves that ``call``, the decorator and ``make_resilient`` keep the wrapped types (and do
not degrade them to ``Any``).
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, assert_type

from huleedu_service_libs.protocols import CircuitBreakerProtocol
from huleedu_service_libs.resilience import CircuitBreaker, circuit_breaker, make_resilient


async def add(a: int, *, b: int) -> int:
    return a + b


@circuit_breaker(failure_threshold=3)
async def fetch(user_id: str, *, fresh: bool = False) -> dict[str, bool]:
    return {user_id: fresh}


class Client:
    label = "client"

    async def get(self, key: str) -> bytes:
        return key.encode()

    def describe(self) -> str:
        return self.label


async def uses(breaker: CircuitBreaker) -> None:
    assert_type(await breaker.call(add, 1, b=2), int)
    pending = assert_type(fetch("u1", fresh=True), Coroutine[Any, Any, dict[str, bool]])
    await pending
    assert_type(await fetch("u1"), dict[str, bool])
    resilient = make_resilient(Client(), breaker)
    assert_type(resilient, Client)
    assert_type(await resilient.get("k"), bytes)
    assert_type(resilient.describe(), str)


def as_protocol(breaker: CircuitBreaker) -> CircuitBreakerProtocol:
    return breaker
