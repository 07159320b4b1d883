"""The stock ``opentelemetry-instrument`` launcher picks our Distro and Configurator."""

from __future__ import annotations

import subprocess
import urllib.request
from pathlib import Path

from huleedu_otel.receiver import OtlpReceiver
from tests.conftest import BIN_DIR, clean_env, free_port

SCRIPT = Path(__file__).with_name("_launched_script.py")


def _launch(receiver: OtlpReceiver, prom_port: int) -> subprocess.Popen[str]:
    env = clean_env(
        OTEL_SERVICE_NAME="launched-svc",
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
        OTEL_EXPORTER_PROMETHEUS_PORT=str(prom_port),
        OTEL_EXPORTER_PROMETHEUS_HOST="127.0.0.1",
    )
    return subprocess.Popen(
        [str(BIN_DIR / "opentelemetry-instrument"), str(BIN_DIR / "python"), str(SCRIPT)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_launcher_delivers_spans_metrics_and_logs_and_serves_metrics() -> None:
    """Only OTEL_SERVICE_NAME and the endpoint set: all three signals arrive, /metrics answers."""
    prom_port = free_port()
    with OtlpReceiver() as receiver:
        proc = _launch(receiver, prom_port)
        assert proc.stdout is not None
        assert proc.stdin is not None
        trace_id = proc.stdout.readline().strip()
        assert proc.stdout.readline().strip() == "ready"
        body = urllib.request.urlopen(f"http://127.0.0.1:{prom_port}/metrics", timeout=5).read()
        proc.stdin.write("\n")
        proc.stdin.flush()
        _, stderr = proc.communicate(timeout=30)
        assert proc.returncode == 0, stderr

        scraped = body.decode()
        assert 'script_work_done_total{kind="demo"' in scraped
        assert 'service_name="launched-svc"' in scraped.split("target_info{", 1)[1]

        assert receiver.wait_for(lambda r: bool(r.logs()) and bool(r.metrics()))
        (span,) = [s for s in receiver.spans() if s.name == "do-work"]
        assert (span.service_name, span.trace_id) == ("launched-svc", trace_id)
        names = {metric.name for _, metric in receiver.metrics()}
        assert "script.work.done" in names
        assert "process.cpu.time" in names
        logged = [r for r in receiver.logs() if r.body.string_value == "work done inside the span"]
        assert [bytes(r.trace_id).hex() for r in logged] == [trace_id]
        assert "huleedu_otel configured service=launched-svc" in stderr


def test_second_process_on_the_same_prometheus_port_runs_and_warns() -> None:
    """A hypercorn worker or a second copy on a taken port: one warning, everything else works."""
    prom_port = free_port()
    with OtlpReceiver() as receiver:
        first = _launch(receiver, prom_port)
        second = _launch(receiver, prom_port)
        try:
            for proc in (first, second):
                assert proc.stdout is not None
                proc.stdout.readline()
                assert proc.stdout.readline().strip() == "ready"
        finally:
            outs = [p.communicate(input="\n", timeout=30) for p in (first, second)]
        assert [first.returncode, second.returncode] == [0, 0]
        warnings = [err.count("Prometheus endpoint not started") for _, err in outs]
        assert sorted(warnings) == [0, 1]
        assert receiver.wait_for(lambda r: len([s for s in r.spans() if s.name == "do-work"]) == 2)
