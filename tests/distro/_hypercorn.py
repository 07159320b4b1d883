"""The Quart example app under ``opentelemetry-instrument hypercorn ...``, and its /metrics."""

from __future__ import annotations

import http.client
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from tests._services import port_open
from tests.conftest import BIN_DIR, REPO_ROOT, clean_env, free_port

APP = "tests.instrumentation.quart.example:app"
COUNT = "http_server_request_duration_seconds_count"
_START_TIMEOUT_S = 90  # spawned workers import the app under the launcher: slow on a busy box


@dataclass
class Launched:
    app_port: int
    metrics_port: int
    process: subprocess.Popen[str]
    output: str = ""  # what the server printed, once it has stopped
    retries: int = 0

    def get(self, path: str) -> int:
        """One GET on a fresh connection (so the kernel may hand it to any worker)."""
        for _ in range(200):
            connection = http.client.HTTPConnection("127.0.0.1", self.app_port, timeout=30)
            try:
                connection.request("GET", path, headers={"Connection": "close"})
                response = connection.getresponse()
                response.read()
                return response.status
            except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected):
                # Refused: every worker restarting. Reset before any response: a worker that
                # reached --max-requests closed a connection it had accepted but not served.
                self.retries += 1
                time.sleep(0.05)
            finally:
                connection.close()
        raise TimeoutError(f"nobody accepted GET {path}")

    def scrape(self, accept: str | None = None) -> str:
        request = urllib.request.Request(f"http://127.0.0.1:{self.metrics_port}/metrics")
        if accept:
            request.add_header("Accept", accept)
        with urllib.request.urlopen(request, timeout=10) as response:
            return str(response.read().decode())

    def requests_counted(self) -> float:
        """``http_server_request_duration_seconds_count`` summed over its series."""
        return total(self.scrape(), COUNT)

    def wait_for_count(self, expected: float, timeout: float = 30) -> float:
        exposition = self.wait_for(lambda text: total(text, COUNT) >= expected, timeout)
        return total(exposition, COUNT)

    def wait_for(self, condition: Callable[[str], bool], timeout: float = 60) -> str:
        """Scrape until ``condition`` holds for the exposition (or time is up); the last one."""
        deadline = time.monotonic() + timeout
        exposition = self.scrape()
        while not condition(exposition) and time.monotonic() < deadline:
            time.sleep(0.1)
            exposition = self.scrape()
        return exposition


def total(exposition: str, sample_name: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == sample_name
    )


def _wait_for_ports(process: subprocess.Popen[str], ports: list[int]) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while not all(port_open("127.0.0.1", port) for port in ports):
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before listening")
        if time.monotonic() > deadline:
            raise TimeoutError(f"ports {ports} not all listening after {_START_TIMEOUT_S}s")
        time.sleep(0.1)


def gauge_pids(exposition: str, gauge: str = "process_cpu_utilization") -> set[str]:
    """The ``process_pid`` labels of a per-process gauge's series."""
    return {
        sample.labels["process_pid"]
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == gauge and "process_pid" in sample.labels
    }


def hypercorn_command(
    args: Sequence[str], *, module: bool = False, python_options: Sequence[str] = ()
) -> list[str]:
    """``hypercorn ARGS APP``, or ``python [OPTIONS] -m hypercorn ARGS APP``."""
    if module or python_options:
        return [sys.executable, *python_options, "-m", "hypercorn", *args, APP]
    return [str(BIN_DIR / "hypercorn"), *args, APP]


@contextmanager
def launched(
    hypercorn: list[str], *, app_port: int | None = None, **env: str
) -> Iterator[Launched]:
    """The command under the launcher, bound to ``app_port``; stopped with SIGINT at the end."""
    app_port = app_port or free_port()
    metrics_port = free_port()
    defaults = {
        "OTEL_SERVICE_NAME": "roles",
        "OTEL_TRACES_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
        "OTEL_METRICS_EXPORTER": "prometheus",
        "OTEL_EXPORTER_PROMETHEUS_HOST": "127.0.0.1",
        "OTEL_EXPORTER_PROMETHEUS_PORT": str(metrics_port),
        "PYTHONPATH": str(REPO_ROOT),
    }
    environment = clean_env(**{**defaults, **env})
    command = [str(BIN_DIR / "opentelemetry-instrument"), *hypercorn]
    if not {"--bind", "-b", "-c", "--config"} & set(hypercorn):
        command[-1:-1] = ["--bind", f"127.0.0.1:{app_port}"]
    process = subprocess.Popen(
        command,
        env=environment,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Launched(app_port, metrics_port, process)
    try:
        _wait_for_ports(process, [metrics_port, app_port])
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            out, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate()
        server.output = out or ""
