"""The processes of the end-to-end benchmark: the OTLP sink and one hypercorn server per variant.

Each server runs in a session (and process group) of its own, so its CPU time can be read for
the whole group and the whole group stopped at the end; nothing else is ever signalled.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
_BIN = Path(sys.executable).parent
_PATH = "/essays/42"


@dataclass(frozen=True, eq=False)  # hashed by identity: the env dict is not hashable
class Variant:
    """One way of running the service: ``env`` for ``opentelemetry-instrument``, or bare."""

    key: str
    label: str
    #: ``None``: no launcher at all (the bare service)
    env: dict[str, str] | None
    #: another checkout's ``src`` and ``instrumentors`` to run instead of this one's
    code: Path | None = None


@contextmanager
def otlp_sink() -> Iterator[int]:
    """Start the sink process; yields its port."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks._otlp_sink"],
        cwd=_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield int(process.stdout.readline())  # type: ignore[union-attr]
    finally:
        process.stdin.close()  # type: ignore[union-attr]
        process.wait(10)


class Server:
    """hypercorn, one worker, serving the benchmark app in the environment of one variant."""

    def __init__(self, variant: Variant, data: dict[str, str], sink_port: int) -> None:
        self.variant = variant
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}{_PATH}"
        command = [str(_BIN / "hypercorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}"]
        command.append("benchmarks._service_app:app")
        if variant.env is not None:
            command.insert(0, str(_BIN / "opentelemetry-instrument"))
        self.process = subprocess.Popen(
            command,
            cwd=_ROOT,
            env=_environment(variant, data, sink_port),
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.pgid = self.process.pid

    @classmethod
    @contextmanager
    def many(
        cls, variants: Sequence[Variant], data: dict[str, str], sink_port: int
    ) -> Iterator[list[Server]]:
        with ExitStack() as stack:
            servers = [cls(v, data, sink_port) for v in variants]
            for server in servers:
                stack.callback(server.stop)
            for server in servers:
                server.wait_ready()
            yield servers

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.variant.key}: server exited ({self.process.returncode})")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.variant.key}: server not answering after {timeout} s")

    def worker_pid(self) -> int:
        """hypercorn's spawned worker: the supervisor's child that runs ``spawn_main``."""
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == self.process.pid and b"spawn_main" in cmdline:
                return int(pid)
        raise RuntimeError(f"{self.variant.key}: no worker process found")

    @contextmanager
    def profiled(self, directory: str | None, seconds: float) -> Iterator[None]:
        """py-spy records the worker (all threads, raw stacks) while the body runs."""
        if directory is None:
            yield
            return
        Path(directory).mkdir(parents=True, exist_ok=True)
        output = Path(directory) / f"{self.variant.key}.txt"
        options = ["--nonblocking", "-f", "raw", "-d", str(int(seconds)), "-o", str(output)]
        options += os.environ.get("BENCH_SERVICE_PROFILE_ARGS", "").split()  # e.g. --gil
        spy = subprocess.Popen(
            [str(_BIN / "py-spy"), "record", "-p", str(self.worker_pid()), *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            yield
        finally:
            spy.wait(seconds + 30)

    def stop(self) -> None:
        """SIGTERM the server's own process group; SIGKILL it if it lingers."""
        try:
            os.killpg(self.pgid, signal.SIGTERM)
            self.process.wait(15)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.pgid, signal.SIGKILL)
            self.process.wait(5)


def _environment(variant: Variant, data: dict[str, str], sink_port: int) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    base.pop("PYTHONPATH", None)
    base.update(data)
    base["BENCH_SERVICE_VARIANT"] = variant.key
    if variant.code is not None:  # ahead of the editable install's paths
        base["PYTHONPATH"] = f"{variant.code / 'instrumentors'}:{variant.code / 'src'}"
    if variant.env is None:
        return base
    return {
        **base,
        "OTEL_SERVICE_NAME": "bench-service",
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{sink_port}",
        "OTEL_EXPORTER_OTLP_INSECURE": "true",
        "OTEL_EXPORTER_PROMETHEUS_PORT": str(_free_port()),
        **variant.env,
    }


@contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """The library code of git ``ref`` in a temporary directory, for a before/after variant."""
    with tempfile.TemporaryDirectory(prefix="bench-service-") as directory:
        archive = subprocess.run(
            ["git", "-C", str(_ROOT), "archive", ref, "src", "instrumentors"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", directory], input=archive, check=True)
        yield Path(directory)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
