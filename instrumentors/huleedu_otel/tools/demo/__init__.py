"""``huleedu-otel demo``: the example service, instrumented, on a bare machine, in one command.

Servers that are not configured (``KAFKA_BOOTSTRAP_SERVERS``, ``REDIS_URL``, ``DATABASE_URL``)
are started embedded. An in-process OTLP receiver stands in for the collector. The example
service runs under the real ``opentelemetry-instrument`` launcher and hypercorn; a scripted
workload goes through HTTP, the database, Kafka, the idempotent consumer and Redis, trips and
recovers a circuit breaker and replays an event. Then the demo prints the trace of one request,
the service's key Prometheus series and its log lines with their trace ids.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from huleedu_otel.receiver import OtlpReceiver
from huleedu_otel.tools.demo import _embedded, _render, _workload

__all__ = ["run"]

_BIN = Path(sys.executable).parent
_APP = "huleedu_otel.tools.examples.essay_service.app:app"
_RECOVERY_SECONDS = 2.0


def run(*, keep_running: bool = False) -> int:
    """Run the demo; with ``keep_running`` the service stays up until Enter or Ctrl-C."""
    embedded = _embedded.start(dict(os.environ), _step)
    try:
        with OtlpReceiver() as receiver:
            _step(f"OTLP receiver on {receiver.endpoint} (standing in for the collector)")
            return _run_service(receiver, embedded, keep_running)
    except KeyboardInterrupt:
        _step("interrupted; cleaning up")
        return 130
    finally:
        embedded.stop()
        _step("stopped everything the demo started")


def _run_service(receiver: OtlpReceiver, embedded: _embedded.Embedded, keep_running: bool) -> int:
    http_port, prom_port = _embedded._free_port(), _embedded._free_port()
    log_path = embedded.workdir / "essay-service.log"
    service = _launch(receiver.endpoint, embedded.env, http_port, prom_port, log_path)
    try:
        client = _workload.ServiceClient(f"http://127.0.0.1:{http_port}")
        _step("waiting for essay-service to answer /healthz")
        client.wait_healthy()
        _step("running the workload")
        try:
            result = _workload.run(client, _RECOVERY_SECONDS, lambda m: _step("  " + m))
        except Exception:
            _step(f"the workload failed; the service's log ({log_path}) ends with:")
            print(_tail(log_path), flush=True)
            raise
        exposition = _scrape(prom_port)
        if keep_running:
            _step(f"essay-service: http://127.0.0.1:{http_port}/essays")
            _step(f"its metrics: http://127.0.0.1:{prom_port}/metrics")
            _step("press Enter (or Ctrl-C) to stop")
            sys.stdin.readline()
    finally:
        _stop(service)
    receiver.wait_for(lambda r: any(s.name.startswith("process ") for s in r.spans()), timeout=10)
    _print_report(receiver, exposition, result)
    return 0


def _launch(
    endpoint: str, env_extra: dict[str, str], http_port: int, prom_port: int, log_path: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **env_extra,
        "OTEL_SERVICE_NAME": os.environ.get("OTEL_SERVICE_NAME", "essay-service"),
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_EXPORTER_PROMETHEUS_HOST": "127.0.0.1",
        "OTEL_EXPORTER_PROMETHEUS_PORT": str(prom_port),
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "OTEL_BLRP_SCHEDULE_DELAY": "200",
        "GRADER_RECOVERY_SECONDS": str(_RECOVERY_SECONDS),
        "RUN_CONSUMER": "true",
        "LOG_LEVEL": "INFO",
    }
    _step(f"starting essay-service under opentelemetry-instrument hypercorn on :{http_port}")
    return subprocess.Popen(
        [str(_BIN / "opentelemetry-instrument"), str(_BIN / "hypercorn"),
         "--bind", f"127.0.0.1:{http_port}", "--graceful-timeout", "5", _APP],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches the demo, which shuts the service down
    )  # fmt: skip


def _stop(service: subprocess.Popen[bytes]) -> None:
    """SIGINT lets hypercorn shut the app down gracefully, which flushes the telemetry."""
    if service.poll() is None:
        service.send_signal(signal.SIGINT)
    try:
        service.wait(timeout=20)
    except subprocess.TimeoutExpired:
        service.kill()
        service.wait()


def _scrape(port: int) -> str:
    body: bytes = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
    return body.decode()


def _print_report(
    receiver: OtlpReceiver, exposition: str, result: _workload.WorkloadResult
) -> None:
    spans = receiver.spans()
    trace_id = _render.trace_of_first(spans, "POST /essays")
    print("\n== Trace of one POST /essays (HTTP → DB + outbox → relay → Kafka → consumer → Redis)")
    for line in _render.waterfall([s for s in spans if s.trace_id == trace_id]):
        print("  " + line)
    print("\n== Prometheus /metrics: the key series")
    for line in _render.metric_lines(exposition, _render.KEY_SERIES):
        print("  " + line)
    print(f"\n== Grading calls: HTTP statuses {result.grade_statuses} (502 failed, 503 blocked)")
    print("\n== Logs, exported as OTel log records with their trace ids")
    for line in _render.log_lines(receiver.logs(), trace_id):
        print("  " + line)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _step(message: str) -> None:
    print(f"-> {message}", flush=True)
