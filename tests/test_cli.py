"""``huleedu-otel``: ``doctor`` explains the configuration, ``demo`` shows all three signals."""

from __future__ import annotations

import subprocess

from huleedu_otel.receiver import OtlpReceiver
from tests.conftest import BIN_DIR, clean_env, free_port


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN_DIR / "huleedu-otel"), *args],
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_doctor_reports_a_reachable_endpoint_and_hides_credentials() -> None:
    with OtlpReceiver() as receiver:
        endpoint = receiver.endpoint.replace("http://", "http://user:s3cret@")
        result = _cli("doctor", OTEL_SERVICE_NAME="doc-svc", OTEL_EXPORTER_OTLP_ENDPOINT=endpoint)
    assert result.returncode == 0, result.stdout
    assert "doc-svc 1.0.0 (development)" in result.stdout
    endpoint = f"http://[REDACTED]@127.0.0.1:{receiver.port}"
    assert f"✓ the OTLP endpoint {endpoint} answers" in result.stdout
    assert "s3cret" not in result.stdout + result.stderr


def test_doctor_says_what_to_change_for_a_wrong_endpoint() -> None:
    result = _cli("doctor", OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert "does not answer" in result.stdout
    assert "set OTEL_EXPORTER_OTLP_ENDPOINT" in result.stdout


def test_doctor_rejects_an_invalid_setting() -> None:
    result = _cli("doctor", OTEL_METRICS_EXPORTER="otlp,statsd")
    assert result.returncode == 2
    assert "unknown exporter(s) ['statsd']" in result.stdout


def test_doctor_lists_contrib_instrumentors_kept_off() -> None:
    result = _cli(
        "doctor",
        OTEL_TRACES_EXPORTER="none",
        OTEL_METRICS_EXPORTER="none",
        OTEL_LOGS_EXPORTER="none",
    )
    assert result.returncode == 0
    assert "redis                  kept off" in result.stdout
    assert "system_metrics         loaded by the configurator" in result.stdout
