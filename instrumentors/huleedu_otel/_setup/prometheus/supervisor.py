"""The supervisor's ``/metrics``: its own metrics and every worker's, as one service's.

A server's supervisor (hypercorn with workers) is the one process that lives as long as the
service: it holds the ``/metrics`` port, and on each scrape asks every live worker for its
cumulative state over a Unix socket in a private directory. A worker that exits (hypercorn
``--max-requests``, a reload) leaves its final state there as a file; the supervisor folds it
into what retired workers served, so no count is lost and no counter goes backwards when a
worker is replaced. A worker that cannot answer (killed) keeps its last answer's counts.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from opentelemetry.sdk.metrics.export import MetricsData
from opentelemetry.sdk.resources import Resource

from huleedu_otel._setup.notice import notice
from huleedu_otel._setup.prometheus.endpoint import PrometheusEndpoint
from huleedu_otel._setup.prometheus.merge import Part, completed, merge
from huleedu_otel._setup.prometheus.snapshot import Snapshot, decode
from huleedu_service_libs._shared.report_once import report_once

#: Set by the supervisor for its workers: ``<supervisor pid>:<directory>``.
SUPERVISOR_VAR = "HULEEDU_OTEL_METRICS_SUPERVISOR"
SOCKET_SUFFIX = ".sock"
FINAL_SUFFIX = ".final.json"
_ASK_TIMEOUT_S = 2.0

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SupervisorContext:
    """Where a worker reports: its supervisor's pid and directory."""

    pid: int
    directory: Path


def supervisor_of_this_process(
    environ: Mapping[str, str] | None = None, parent_pid: int | None = None
) -> SupervisorContext | None:
    """The supervisor this process is a worker of: it set the variable and is our parent.

    A grandchild (a worker's own subprocess) inherits the variable but has another parent, so
    it is not taken for a worker.
    """
    raw = (os.environ if environ is None else environ).get(SUPERVISOR_VAR, "")
    pid, _, directory = raw.partition(":")
    if not pid.isdigit() or not directory:
        return None
    parent = os.getppid() if parent_pid is None else parent_pid
    return SupervisorContext(int(pid), Path(directory)) if int(pid) == parent else None


def supervise(endpoint: PrometheusEndpoint, resource: Resource) -> SupervisorContext:
    """Make ``endpoint`` serve the whole service; the workers started after this report to it."""
    directory = Path(tempfile.mkdtemp(prefix="huleedu-otel-metrics-"))
    context = SupervisorContext(os.getpid(), directory)
    os.environ[SUPERVISOR_VAR] = f"{context.pid}:{directory}"
    service = ServiceMetrics(endpoint, context, resource)
    endpoint.source = service.collect
    endpoint.closers.append(lambda: shutil.rmtree(directory, ignore_errors=True))
    return context


def serve_workers(endpoint: PrometheusEndpoint, resource: Resource) -> Callable[[], None]:
    """What to do when this process turns out to supervise workers: :func:`supervise`, said."""

    def start() -> None:
        context = supervise(endpoint, resource)
        notice(
            _log,
            logging.INFO,
            "huleedu_otel: /metrics on port %s serves every worker of this supervisor (pid %s)",
            endpoint.port,
            context.pid,
        )

    return start


class ServiceMetrics:
    """Merges the supervisor's, the live workers' and the retired workers' metrics."""

    def __init__(
        self, endpoint: PrometheusEndpoint, context: SupervisorContext, resource: Resource
    ) -> None:
        self._own = endpoint.local
        self._context = context
        self._resource = resource
        self._lock = threading.Lock()
        self._retired: Snapshot | None = None
        self._last: dict[str, Snapshot] = {}

    def collect(self) -> MetricsData | None:
        """The whole service; if merging fails, this process's own metrics (and one warning)."""
        with self._lock:
            own = self._own()
            try:
                return self._merged(own)
            except Exception:
                report_once(
                    _log, "merging the workers' metrics", "/metrics shows this process only"
                )
                return own

    def _merged(self, own: MetricsData | None) -> MetricsData:
        self._fold_finals()
        parts = [Part(self._retired, live=False)] if self._retired else []
        if own is not None:
            parts.append(Part(Snapshot(os.getpid(), "supervisor", own), live=True))
        parts += self._workers()
        return merge(parts, self._resource)

    def _workers(self) -> list[Part]:
        sockets = {p.name.removesuffix(SOCKET_SUFFIX): p for p in self._paths(SOCKET_SUFFIX)}
        parts = []
        for instance in sorted(sockets.keys() | self._last.keys()):
            answer = _ask(sockets[instance]) if instance in sockets else None
            if answer is not None:
                self._last[instance] = answer
                parts.append(Part(answer, live=True))
            elif instance in self._last:
                parts.append(Part(self._last[instance], live=False))
        return parts

    def _fold_finals(self) -> None:
        """A retired worker's final state joins the retired total, once; its file goes."""
        for path in self._paths(FINAL_SUFFIX):
            try:
                final = decode(path.read_bytes())
            except (OSError, ValueError, KeyError):
                _log.warning("Unreadable final metrics of a worker: %s", path.name)
                continue
            finally:
                path.unlink(missing_ok=True)
            parts = [Part(completed(final, self._last.get(final.instance)), live=False)]
            if self._retired is not None:
                parts.append(Part(self._retired, live=False))
            self._retired = Snapshot(0, "retired", merge(parts, Resource.get_empty()))
            self._last.pop(final.instance, None)
            (self._context.directory / f"{final.instance}{SOCKET_SUFFIX}").unlink(missing_ok=True)

    def _paths(self, suffix: str) -> list[Path]:
        try:
            return sorted(p for p in self._context.directory.iterdir() if p.name.endswith(suffix))
        except OSError:
            return []


def _ask(path: Path) -> Snapshot | None:
    """The worker's current state, or ``None`` when it does not answer (gone or stuck)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(_ASK_TIMEOUT_S)
            conn.connect(str(path))
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        return decode(b"".join(chunks))
    except (OSError, ValueError, KeyError):
        return None
