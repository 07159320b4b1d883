"""Load and accounting for the end-to-end benchmark: ``wrk`` runs, and CPU time from ``/proc``.

``wrk`` (Debian's package) is the load generator: written in C, it costs far less per request
than the Python server it loads, so the server is the bottleneck. It is installed with apt-get
when missing. CPU time is the utime+stime of every process in the server's process group,
which covers hypercorn's supervisor, its worker and the exporter threads inside them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


@dataclass(frozen=True)
class Load:
    """One wrk run against one server, with the server's CPU time over it."""

    requests: int
    seconds: float
    p50: float
    p99: float
    errors: int
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_per_request(self) -> float:
        return self.cpu_seconds / max(1, self.requests)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
    return shutil.which("wrk") or "wrk"


def group_cpu_seconds(pgid: int) -> float:
    """utime + stime of every live process in process group ``pgid``."""
    ticks = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        # after the command: state ppid pgrp ...; utime and stime are fields 14 and 15
        if int(fields[2]) == pgid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / _CLOCK_TICKS


def run_wrk(
    wrk: str, url: str, pgid: int, seconds: float, connections: int = 8, threads: int = 1
) -> Load:
    before = group_cpu_seconds(pgid)
    out = subprocess.run(
        [wrk, f"-t{threads}", f"-c{connections}", f"-d{round(seconds)}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    cpu = group_cpu_seconds(pgid) - before
    return Load(
        requests=int(_find(r"(\d+) requests in", out)),
        seconds=_duration(_find(r"requests in ([\d.]+\w+),", out)),
        p50=_duration(_find(r"50%\s+([\d.]+\w+)", out)),
        p99=_duration(_find(r"99%\s+([\d.]+\w+)", out)),
        errors=_errors(out),
        cpu_seconds=cpu,
    )


def _find(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise RuntimeError(f"unexpected wrk output (no {pattern!r}):\n{text}")
    return match.group(1)


def _duration(raw: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", raw).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def _errors(out: str) -> int:
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return (int(non_2xx.group(1)) if non_2xx else 0) + (
        sum(int(n) for n in socket.groups()) if socket else 0
    )
