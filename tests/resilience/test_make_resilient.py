"""``make_resilient``: a transparent proxy whose coroutine methods go through the breaker."""

from __future__ import annotations

import inspect
from typing import Protocol, runtime_checkable

import pytest

from huleedu_service_libs.errors import CircuitBreakerError
from huleedu_service_libs.resilience import CircuitBreaker, CircuitBreakerState, make_resilient


@runtime_checkable
class ProfileServiceProtocol(Protocol):
    async def fetch(self, user_id: str) -> str: ...

    async def fail(self) -> None: ...

    def endpoint(self) -> str: ...


class ProfileService:
    """A stand-in for a remote service client: two async calls, one sync helper, a field."""

    def __init__(self) -> None:
        self.base_url = "http://profiles"
        self.sync_errors = 0

    async def fetch(self, user_id: str) -> str:
        """Fetch one profile."""
        return f"profile:{user_id}"

    async def fail(self) -> None:
        raise ConnectionError("profile service down")

    def endpoint(self) -> str:
        self.sync_errors += 1
        raise ConnectionError("sync failures are not the breaker's business")


def _resilient(failure_threshold: int = 1) -> tuple[ProfileService, ProfileService]:
    client = ProfileService()
    breaker = CircuitBreaker(failure_threshold=failure_threshold, name="profiles")
    return client, make_resilient(client, breaker)


async def test_async_methods_return_what_the_client_returns() -> None:
    """Through the proxy, a healthy call is the client's own call."""
    _, resilient = _resilient()
    assert await resilient.fetch("u1") == "profile:u1"


async def test_a_failing_async_method_opens_the_breaker_for_every_async_method() -> None:
    """All coroutine methods share the client's breaker: once open, ``fetch`` is refused too."""
    _, resilient = _resilient()
    with pytest.raises(ConnectionError):
        await resilient.fail()
    with pytest.raises(CircuitBreakerError):
        await resilient.fetch("u1")


def test_sync_methods_pass_through_untouched() -> None:
    """A sync method's error reaches the caller and never counts as a breaker failure."""
    client, resilient = _resilient()
    for _ in range(3):
        with pytest.raises(ConnectionError):
            resilient.endpoint()
    assert client.sync_errors == 3


def test_attributes_read_and_write_through_to_the_client() -> None:
    """The proxy holds no state of its own: a write lands on the client."""
    client, resilient = _resilient()
    resilient.base_url = "http://profiles-v2"
    assert (client.base_url, resilient.base_url) == ("http://profiles-v2", "http://profiles-v2")


def test_guarded_methods_keep_name_and_signature() -> None:
    """Introspection of a guarded method shows the client's method."""
    _, resilient = _resilient()
    assert resilient.fetch.__name__ == "fetch"
    assert str(inspect.signature(resilient.fetch)) == "(user_id: 'str') -> 'str'"


def test_the_proxy_still_satisfies_the_clients_protocol() -> None:
    """A runtime-checkable Protocol sees the same methods through the proxy."""
    _, resilient = _resilient()
    assert isinstance(resilient, ProfileServiceProtocol)


async def test_the_breaker_state_is_visible_through_the_breaker_not_the_proxy() -> None:
    """``make_resilient`` does not change the client's surface; the breaker is the handle."""
    breaker = CircuitBreaker(failure_threshold=1, name="profiles-handle")
    resilient = make_resilient(ProfileService(), breaker)
    with pytest.raises(ConnectionError):
        await resilient.fail()
    assert breaker.state is CircuitBreakerState.OPEN
    assert not hasattr(resilient, "state")
