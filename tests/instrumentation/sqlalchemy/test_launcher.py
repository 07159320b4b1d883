"""``opentelemetry-instrument`` alone traces an async engine and serves its pool metrics."""

from __future__ import annotations

import subprocess
import urllib.request
from pathlib import Path

from huleedu_otel.receiver import OtlpReceiver
from tests.conftest import BIN_DIR, clean_env, free_port

SCRIPT = Path(__file__).with_name("_launched_engine_script.py")
POOL_METRICS = (
    "db_client_connection_count",
    "db_client_connection_max",
    "db_client_connection_idle_max",
    "db_client_connection_idle_min",
    "db_client_connection_pending_requests",
    "db_client_connection_timeouts_total",
    "db_client_connection_create_time_seconds_count",
    "db_client_connection_wait_time_seconds_count",
    "db_client_connection_use_time_seconds_count",
)


def test_launched_service_shows_statement_spans_and_all_nine_pool_metrics(
    postgres_url: str,
) -> None:
    prom_port = free_port()
    launcher, python = BIN_DIR / "opentelemetry-instrument", BIN_DIR / "python"
    with OtlpReceiver() as receiver:
        proc = subprocess.Popen(
            [str(launcher), str(python), str(SCRIPT), postgres_url],
            env=clean_env(
                OTEL_SERVICE_NAME="engine-svc",
                OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
                OTEL_EXPORTER_PROMETHEUS_PORT=str(prom_port),
                OTEL_EXPORTER_PROMETHEUS_HOST="127.0.0.1",
            ),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        url = f"http://127.0.0.1:{prom_port}/metrics"
        scraped = urllib.request.urlopen(url, timeout=5).read().decode()
        _, stderr = proc.communicate(input="\n", timeout=30)
        assert proc.returncode == 0, stderr

        missing = [name for name in POOL_METRICS if f"\n{name}{{" not in scraped]
        assert missing == []
        assert 'db_client_connection_pool_name="127.0.0.1:5432/test"' in scraped
        assert "db_client_operation_duration_seconds_count{" in scraped
        assert receiver.wait_for(lambda r: any(s.name == "SELECT pg_class" for s in r.spans()))
