"""A password in the Redis URL never shows up in reprs, errors or logs."""

from __future__ import annotations

import logging

import pytest

from huleedu_service_libs import RedisClient, RedisClientError, RedisUnavailableError
from huleedu_service_libs._shared.redaction import redact_url
from tests import _services
from tests.conftest import REDIS_PASSWORD as PASSWORD


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://redis:6379", "redis://redis:6379"),
        (f"redis://:{PASSWORD}@redis:6379/0", "redis://[REDACTED]@redis:6379/0"),
        (f"rediss://user:{PASSWORD}@redis/1", "rediss://[REDACTED]@redis/1"),
        (
            f"redis://redis:6379/0?password={PASSWORD}&db=2",
            "redis://redis:6379/0?password=[REDACTED]&db=2",
        ),
        (f"redis://:{PASSWORD}@[::1", "<unparseable url>"),
    ],
)
def test_redact_url_drops_credentials_wherever_redis_py_would_read_them(
    url: str, expected: str
) -> None:
    """User info and a ``password`` query parameter are masked; unparseable URLs entirely."""
    assert expected == redact_url(url)


async def test_a_client_with_a_password_works_and_never_shows_it(
    protected_redis: _services.ServerProcess, caplog: pytest.LogCaptureFixture
) -> None:
    """Authenticated commands work; repr and logs show the host, never the password."""
    caplog.set_level(logging.DEBUG)
    client = RedisClient(
        client_id="protected", redis_url=f"redis://:{PASSWORD}@127.0.0.1:{protected_redis.port}/0"
    )
    await client.start()
    try:
        assert await client.setex("k", 60, "v") is True
        assert PASSWORD not in repr(client)
        assert f"127.0.0.1:{protected_redis.port}" in repr(client)
    finally:
        await client.stop()
    assert PASSWORD not in caplog.text


async def test_a_wrong_password_is_a_client_error_without_the_password(
    protected_redis: _services.ServerProcess,
) -> None:
    """Bad credentials are a client error (not "unavailable"), and the message hides them."""
    wrong = "Wr0ng-" + PASSWORD
    client = RedisClient(
        client_id="wrong", redis_url=f"redis://:{wrong}@127.0.0.1:{protected_redis.port}/0"
    )
    with pytest.raises(RedisClientError) as caught:
        await client.start()
    assert not isinstance(caught.value, RedisUnavailableError)
    assert wrong not in str(caught.value)


async def test_an_unreachable_server_error_never_contains_the_password(unused_port: int) -> None:
    """The error names the server by its redacted URL."""
    client = RedisClient(
        client_id="nowhere", redis_url=f"redis://user:{PASSWORD}@127.0.0.1:{unused_port}/0"
    )
    with pytest.raises(RedisUnavailableError) as caught:
        await client.start()
    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in str(caught.value.__cause__)
    assert "[REDACTED]@127.0.0.1" in str(caught.value)
