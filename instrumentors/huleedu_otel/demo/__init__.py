"""``huleedu-otel demo``: watch an instrumented service's telemetry, no servers needed.

It starts an in-process OTLP receiver in place of a collector, runs a service under the real
``opentelemetry-instrument`` launcher pointed at it, scrapes the service's ``/metrics``, and
prints the trace waterfall, the Prometheus series and the log lines with their trace ids.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from huleedu_otel.demo import _render
from huleedu_otel.receiver import OtlpReceiver

__all__ = ["run"]

_BIN = Path(sys.executable).parent


def run(*, keep_running: bool = False) -> int:
    """Run the demo; with ``keep_running`` the service stays up until Enter or Ctrl-C."""
    prom_port = _free_port()
    with OtlpReceiver() as receiver:
        _step(f"OTLP receiver listening on {receiver.endpoint} (standing in for a collector)")
        service = _launch(receiver.endpoint, prom_port)
        try:
            assert service.stdout is not None
            if service.stdout.readline().strip() != "ready":
                _step("the service did not start; its output follows")
                return 1
            exposition = _scrape(prom_port)
            if keep_running:
                _step(f"service running; /metrics on http://127.0.0.1:{prom_port}/metrics")
                _step("press Enter (or Ctrl-C) to stop")
                _wait_for_enter()
        except KeyboardInterrupt:
            pass
        finally:
            _stop(service)
        receiver.wait_for(lambda r: bool(r.spans()) and bool(r.logs()), timeout=10)
        _print_report(receiver, exposition)
    return 0


def _launch(endpoint: str, prom_port: int) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.update(
        OTEL_SERVICE_NAME=env.get("OTEL_SERVICE_NAME", "hello-service"),
        OTEL_EXPORTER_OTLP_ENDPOINT=endpoint,
        OTEL_EXPORTER_PROMETHEUS_HOST="127.0.0.1",
        OTEL_EXPORTER_PROMETHEUS_PORT=str(prom_port),
    )
    _step("starting hello-service under opentelemetry-instrument")
    return subprocess.Popen(
        [str(_BIN / "opentelemetry-instrument"), sys.executable, "-m", "huleedu_otel.demo._hello"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _stop(service: subprocess.Popen[str]) -> None:
    try:
        service.communicate(input="\n", timeout=15)
    except (subprocess.TimeoutExpired, BrokenPipeError, ValueError):
        service.kill()
        service.wait()


def _scrape(port: int) -> str:
    body: bytes = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
    return body.decode()


def _print_report(receiver: OtlpReceiver, exposition: str) -> None:
    print("\n== Trace (as received over OTLP)")
    for line in _render.waterfall(receiver.spans()):
        print("  " + line)
    print("\n== Prometheus /metrics (the key series)")
    for line in _render.metric_lines(exposition, ("demo_", "target_info", "process_cpu")):
        print("  " + line)
    print("\n== Logs (exported as OTel log records, with their trace ids)")
    for record in receiver.logs():
        print(f"  trace_id={bytes(record.trace_id).hex()} {record.body.string_value}")


def _wait_for_enter() -> None:
    sys.stdin.readline()


def _step(message: str) -> None:
    print(f"-> {message}", flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
