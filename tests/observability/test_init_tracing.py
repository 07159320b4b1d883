"""``init_tracing`` in a fresh process configures huleedu_otel; everything arrives by OTLP."""

from __future__ import annotations

import subprocess
from pathlib import Path

from huleedu_otel.receiver import OtlpReceiver
from tests.conftest import BIN_DIR, clean_env, free_port

SCRIPT = Path(__file__).with_name("_init_tracing_script.py")


def test_init_tracing_configures_telemetry_and_logs_export_once_with_the_trace() -> None:
    """The span, the structlog event and the library record arrive once each, redacted, traced."""
    with OtlpReceiver() as receiver:
        env = clean_env(
            OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
            OTEL_EXPORTER_PROMETHEUS_PORT=str(free_port()),
            OTEL_EXPORTER_PROMETHEUS_HOST="127.0.0.1",
            OTEL_METRIC_EXPORT_INTERVAL="60000",
        )
        done = subprocess.run(
            [str(BIN_DIR / "python"), str(SCRIPT)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        spans, logs = receiver.spans(), receiver.logs()

    (trace_id,) = [
        line.removeprefix("TRACE_ID=") for line in done.stdout.splitlines() if "TRACE_ID=" in line
    ]
    assert "already configured" not in done.stdout + done.stderr
    (span,) = [s for s in spans if s.name == "e2e-work"]
    assert (span.service_name, span.trace_id) == ("e2e-svc", trace_id)
    inside = [r for r in logs if "inside" in r.body.string_value]
    assert sorted(r.body.string_value for r in inside) == [
        "stdlib inside postgresql://u:[REDACTED]@db/x",
        "structlog inside",
    ]
    assert {bytes(r.trace_id).hex() for r in inside} == {trace_id}
    structlog_record = next(r for r in inside if r.body.string_value == "structlog inside")
    attributes = {a.key: a.value.string_value for a in structlog_record.attributes}
    assert (attributes["password"], attributes["essay_id"]) == ("[REDACTED]", "e1")
    assert "pw-2" not in done.stdout
    assert "p-1" not in done.stdout
