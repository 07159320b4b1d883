"""Secrets: credentials planted everywhere a service holds them never leave in telemetry.

A fresh process (``_secrets_workload.py``) configures telemetry from code with every exporter
on: OTLP to an in-process receiver, the Prometheus ``/metrics`` endpoint, console exporters
for spans, metrics and logs on stdout, and JSON logs on stdout. It gets credentials in
``REDIS_URL`` (a test-owned ``redis-server --requirepass``), the database DSN (a PostgreSQL role
with a password), Kafka SASL settings, ``Authorization`` and ``Cookie`` headers, query-string
tokens, a ``Set-Cookie`` response, SQL literals and bound parameters (one in a failing
statement), a Redis value, an event payload, ``password``/``api_key`` log fields and the OTLP
exporter's headers; ``huleedu-otel doctor`` runs with the same environment. None of the planted
strings may appear in the OTLP requests as sent (protobuf bytes), stdout, stderr, the
``/metrics`` exposition, the health reports or the doctor's output.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from huleedu_otel.receiver import OtlpReceiver
from tests._services import ServerProcess, free_port
from tests.conftest import BIN_DIR, clean_env

WORKLOAD = Path(__file__).with_name("_secrets_workload.py")
PLANTED = {
    name: f"{name.replace('_', '-')}-{uuid.uuid4().hex[:10]}"
    for name in (
        "redis_password", "pg_password", "kafka_sasl", "bearer", "cookie", "set_cookie",
        "query_token", "query_api_key", "sql_literal", "sql_parameter", "sql_failing_literal",
        "redis_value", "event_payload", "log_password", "log_api_key", "otlp_header",
        "wrong_redis_password",
    )
}  # fmt: skip


@pytest.fixture
def redis_with_password() -> Iterator[int]:
    port = free_port()
    argv = [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind",
            "127.0.0.1", "--save", "", "--appendonly", "no",
            "--requirepass", PLANTED["redis_password"]]  # fmt: skip
    server = ServerProcess(argv, port).start()
    yield port
    server.stop()


@pytest.fixture
async def pg_role(postgres_url: str) -> AsyncIterator[str]:
    """A login role with a password in the shared PostgreSQL, dropped afterwards."""
    role = f"secrets_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{PLANTED['pg_password']}'")
        yield role
        await admin.execute(f"DROP ROLE {role}")
    finally:
        await admin.close()


def _environment(receiver: OtlpReceiver, kafka: str, redis_port: int, role: str) -> dict[str, str]:
    planted = {f"PLANTED_{name.upper()}": value for name, value in PLANTED.items()}
    return clean_env(
        **planted,
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
        OTEL_EXPORTER_OTLP_HEADERS=f"api-key={PLANTED['otlp_header']}",
        OTEL_TRACES_EXPORTER="otlp,console",
        OTEL_METRICS_EXPORTER="otlp,prometheus,console",
        OTEL_LOGS_EXPORTER="otlp,console",
        OTEL_EXPORTER_PROMETHEUS_HOST="127.0.0.1",
        OTEL_EXPORTER_PROMETHEUS_PORT=str(free_port()),
        OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST=".*",
        OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE=".*",
        KAFKA_BOOTSTRAP_SERVERS=kafka,
        REDIS_URL=f"redis://:{PLANTED['redis_password']}@127.0.0.1:{redis_port}/0",
        WRONG_REDIS_URL=f"redis://:{PLANTED['wrong_redis_password']}@127.0.0.1:{redis_port}/0",
        DATABASE_URL=f"postgresql+asyncpg://{role}:{PLANTED['pg_password']}@127.0.0.1:5432/test",
        UNREACHABLE_DATABASE_URL=(
            f"postgresql+asyncpg://{role}:{PLANTED['pg_password']}@127.0.0.1:{free_port()}/test"
        ),
    )


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(argv, env=env, capture_output=True, timeout=90, check=False)


def _wire_bytes(receiver: OtlpReceiver) -> bytes:
    """Every OTLP request exactly as the exporters serialised it."""
    requests = [*receiver.trace_requests, *receiver.metric_requests, *receiver.log_requests]
    return b"".join(request.SerializeToString() for request in requests)


def _leaks(where: str, content: bytes) -> list[str]:
    return [f"{name} in {where}" for name, value in PLANTED.items() if value.encode() in content]


def _context(leaks: list[str], wire: bytes, *runs: subprocess.CompletedProcess[bytes]) -> str:
    """Where each leaked value sits, for the failure message."""
    out = []
    for name in {leak.split(" in ")[0] for leak in leaks}:
        value = PLANTED[name].encode()
        for content in (wire, *(r.stdout + r.stderr for r in runs)):
            at = content.find(value)
            if at >= 0:
                out.append(repr(content[max(at - 200, 0) : at + 60]))
    return "\n".join(out)


@pytest.mark.postgres
@pytest.mark.kafka
async def test_no_planted_secret_leaves_the_process(
    kafka_bootstrap: str, redis_with_password: int, pg_role: str
) -> None:
    with OtlpReceiver() as receiver:
        env = _environment(receiver, kafka_bootstrap, redis_with_password, pg_role)
        run = await asyncio.to_thread(_run, [str(BIN_DIR / "python"), str(WORKLOAD)], env)
        doctor = await asyncio.to_thread(_run, [str(BIN_DIR / "huleedu-otel"), "doctor"], env)
        wire = _wire_bytes(receiver)
        span_names = {span.name for span in receiver.spans()}
    assert b"done" in run.stdout, run.stderr.decode()[-3000:]
    assert {
        "GET /items/<item_id>",
        "GET /fails",
        "SET",
        "GET",
        "send secrets-items",
    } <= span_names
    assert b'"overall_status": "healthy"' in run.stdout
    assert b'"overall_status": "unhealthy"' in run.stdout
    assert b'"message": "Could not start kafka"' in run.stdout  # SASL against a broker without it
    assert b"refused the client's credentials" in run.stdout  # the wrong Redis password
    assert b"http_server_request_duration_seconds" in run.stdout
    leaks = [
        *_leaks("OTLP", wire),
        *_leaks("stdout", run.stdout),
        *_leaks("stderr", run.stderr),
        *_leaks("doctor", doctor.stdout + doctor.stderr),
    ]
    assert leaks == [], _context(leaks, wire, run, doctor)
