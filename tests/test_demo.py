"""The README's main command, ``huleedu-otel demo``, as a new user runs it."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.conftest import BIN_DIR, clean_env


def _demo(**env: str) -> str:
    result = subprocess.run(
        [str(BIN_DIR / "huleedu-otel"), "demo"],
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _section(output: str, title: str) -> list[str]:
    lines = output.split(f"== {title}", 1)[1].split("\n== ", 1)[0].splitlines()[1:]
    return [line.strip() for line in lines if line.strip() and not line.startswith("->")]


def _assert_the_whole_story(output: str) -> None:
    trace = _section(output, "Trace of one POST /essays")
    names = [re.sub(r"\s+[█ ]+.*$", "", line) for line in trace]
    assert names[:3] == [  # the essay and its event in one transaction (the outbox)...
        "POST /essays [server]",
        "INSERT essays [client]",
        "INSERT event_outbox [client]",
    ]
    assert "send essay-events [producer]" in names  # ...sent by the relay, in the same trace
    assert "process essay-events [consumer]" in names
    assert {"UPDATE essays [client]", "SET [client]", "PUBLISH [client]"} <= set(names)

    metrics = "\n".join(_section(output, "Prometheus /metrics"))
    assert re.search(
        r'http_server_request_duration_seconds_count\{[^}]*http_route="/essays"', metrics
    )
    assert 'idempotency_messages_total{outcome="duplicate"} 1.0' in metrics
    assert re.search(
        r'circuit_breaker_state_transitions_total\{[^}]*to_state="open"\} 1.0', metrics
    )
    assert re.search(
        r'circuit_breaker_state\{circuit_breaker_name="grader-api"[^}]*\} 0.0', metrics
    )
    assert "messaging_client_consumed_messages_total" in metrics
    assert re.search(r'huleedu_outbox_events_total\{[^}]*outcome="published"\} [1-9]', metrics)
    # Redis and SQL points share one family: each keeps its own label values
    assert re.search(r'db_operation_name="SET",db_system_name="redis"', metrics)
    assert re.search(r'db_collection_name="essays",[^}]*db_operation_name="INSERT"', metrics)

    statuses = re.search(r"HTTP statuses \[([^\]]*)\]", output)
    assert statuses is not None
    codes = [int(c) for c in statuses.group(1).split(",")]
    assert (codes[0], codes[1:4], codes[-1]) == (200, [502, 502, 502], 200)
    assert 503 in codes  # blocked by the open breaker

    logs = _section(output, "Logs")
    assert logs
    assert all(re.match(r"trace_id=[0-9a-f]{32} span_id=[0-9a-f]{16} ", line) for line in logs)
    assert "stopped everything the demo started" in output


def test_demo_on_embedded_defaults() -> None:
    """No server configured: SQLite, the bundled broker and Redis; the whole story prints."""
    output = _demo()
    assert "Kafka: embedded tansu broker" in output
    assert "Redis: embedded redis-server" in output
    _assert_the_whole_story(output)


@pytest.mark.postgres
@pytest.mark.redis
def test_demo_with_the_machines_postgres_and_redis(postgres_url: str, redis_url: str) -> None:
    """With DATABASE_URL and REDIS_URL set, the demo uses those servers instead."""
    output = _demo(DATABASE_URL=postgres_url, REDIS_URL=redis_url)
    assert "Database: using DATABASE_URL" in output
    assert "Redis: using REDIS_URL" in output
    _assert_the_whole_story(output)
