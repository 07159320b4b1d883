"""A worker's side of the shared ``/metrics``: answer the supervisor, and leave a final state.

The worker serves no port. Its supervisor connects to the worker's Unix socket on each scrape
and reads the cumulative state; at exit the worker writes that state once more to a file
(atomically), so the counts it served outlive it.
"""

from __future__ import annotations

import logging
import os
import socketserver
import threading
from pathlib import Path

from opentelemetry.sdk.metrics.export import MetricsData

from huleedu_otel._setup.cardinality import cardinality_limits
from huleedu_otel._setup.notice import notice
from huleedu_otel._setup.prometheus.reader import SharedMetricReader
from huleedu_otel._setup.prometheus.snapshot import Snapshot, encode
from huleedu_otel._setup.prometheus.supervisor import (
    FINAL_SUFFIX,
    SOCKET_SUFFIX,
    SupervisorContext,
)

_log = logging.getLogger(__name__)


class WorkerEndpoint:
    """The shared reader of a worker, served to its supervisor over a Unix socket."""

    port: int | None = None

    def __init__(self, context: SupervisorContext, instance: str, cardinality_limit: int) -> None:
        self.reader = SharedMetricReader(cardinality_limits(cardinality_limit))
        self.context = context
        self._instance = instance
        self._socket = context.directory / f"{instance}{SOCKET_SUFFIX}"
        endpoint = self

        class _Answer(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.sendall(endpoint.snapshot())

        self._server = socketserver.ThreadingUnixStreamServer(str(self._socket), _Answer)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, name="huleedu-otel-worker-metrics", daemon=True
        ).start()

    def describe(self) -> str:
        return f"prometheus through the supervisor (pid {self.context.pid})"

    def snapshot(self) -> bytes:
        data = self.reader.read()
        data = MetricsData([]) if data is None else self.reader.exemplars.latest(data)
        return encode(Snapshot(os.getpid(), self._instance, data))

    def close(self) -> None:
        """The final state first, then the socket: the supervisor never sees neither."""
        final = self.context.directory / f"{self._instance}{FINAL_SUFFIX}"
        try:
            _write_atomically(final, self.snapshot())
        except OSError as exc:
            notice(_log, logging.WARNING, "Could not leave this worker's final metrics: %s", exc)
        self._server.shutdown()
        self._server.server_close()
        self._socket.unlink(missing_ok=True)


def _write_atomically(path: Path, content: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(content)
    os.replace(partial, path)
