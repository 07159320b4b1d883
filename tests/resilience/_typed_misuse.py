"""Wrong uses that mypy --strict must reject, each line marked with the error code it gets."""

from __future__ import annotations

from huleedu_service_libs.resilience import CircuitBreaker, circuit_breaker, make_resilient


async def add(a: int, *, b: int) -> int:
    return a + b


@circuit_breaker()
async def fetch(user_id: str) -> dict[str, bool]:
    return {user_id: True}


class Client:
    async def get(self, key: str) -> bytes:
        return key.encode()


async def misuses(breaker: CircuitBreaker) -> None:
    await breaker.call(add, "1", b=2)  # expect: arg-type
    await breaker.call(add, 1)  # expect: call-arg
    total = await breaker.call(add, 1, b=2)
    text: str = total  # expect: assignment
    await fetch(42)  # expect: arg-type
    await fetch("u", fresh=True)  # expect: call-arg
    client = make_resilient(Client(), breaker)
    await client.get(b"k")  # expect: arg-type
    await client.missing()  # expect: attr-defined
    del text
