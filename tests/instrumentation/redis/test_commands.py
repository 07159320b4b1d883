"""What a span may say about a command: names and shape, never keys or values."""

from __future__ import annotations

from types import SimpleNamespace

import redis.asyncio

from huleedu_otel.redis._commands import (
    MAX_QUERY_TEXT,
    Command,
    connection_attributes,
    pipeline_command,
    single_command,
)


def test_a_command_keeps_its_name_and_replaces_each_argument() -> None:
    """Keys and values become ``?``; the count of arguments stays visible."""
    assert Command("SET", "SET ? ? ? ?") == single_command(("SET", "k", "v", "EX", 60))
    assert Command("PING", "PING") == single_command(("PING",))


def test_names_are_upper_case_whatever_the_caller_sent() -> None:
    """bytes or lower case from the caller give the same span name as redis-py's own."""
    assert Command("GET", "GET ?") == single_command((b"get", b"k"))
    assert Command("SCRIPT LOAD", "SCRIPT LOAD ?") == single_command(("SCRIPT LOAD", "return 1"))


def test_a_pipeline_is_one_command_with_one_line_per_queued_command() -> None:
    """A non-transactional pipeline is ``PIPELINE``, its batch size the queued count."""
    pipe = redis.asyncio.Redis().pipeline(transaction=False)
    pipe.set("k", "v").incr("n")
    assert Command("PIPELINE", "SET ? ?\nINCRBY ? ?", 2) == pipeline_command(pipe)


def test_a_transaction_pipeline_is_multi() -> None:
    """A transactional pipeline (MULTI/EXEC on the wire) is named ``MULTI``."""
    pipe = redis.asyncio.Redis().pipeline()
    pipe.get("k")
    assert Command("MULTI", "GET ?", 1) == pipeline_command(pipe)


def test_an_empty_pipeline_sends_nothing_and_gets_no_span() -> None:
    """redis-py skips the round trip for an empty, unwatched pipeline; so do we."""
    assert pipeline_command(redis.asyncio.Redis().pipeline()) is None


def test_a_long_pipeline_text_is_cut() -> None:
    """db.query.text stays bounded; the batch size still counts every command."""
    pipe = redis.asyncio.Redis().pipeline()
    for _ in range(2000):
        pipe.get("k")
    command = pipeline_command(pipe)
    assert command is not None
    assert (len(command.query_text), command.batch_size) == (MAX_QUERY_TEXT, 2000)
    assert command.query_text.endswith("...")


def test_connection_attributes_come_from_the_pool_settings_but_never_the_password() -> None:
    """Only host, port and db are read from settings that also hold the password."""
    client = redis.asyncio.Redis.from_url("redis://user:pw-123@cache.internal:6380/3")
    assert connection_attributes(client) == {
        "db.system.name": "redis",
        "db.namespace": "3",
        "server.address": "cache.internal",
        "server.port": 6380,
    }


def test_a_unix_socket_is_the_server_address_without_a_port() -> None:
    """A unix socket path is the address; a ``db`` of None means database 0."""
    client = SimpleNamespace(
        connection_pool=SimpleNamespace(connection_kwargs={"path": "/run/redis.sock", "db": None})
    )
    assert connection_attributes(client) == {
        "db.system.name": "redis",
        "db.namespace": "0",
        "server.address": "/run/redis.sock",
    }
