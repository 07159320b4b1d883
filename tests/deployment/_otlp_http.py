"""An OTLP/HTTP (protobuf) front door for the in-process receiver.

The OpenTelemetry Operator's default protocol is http/protobuf to port 4318; this stdlib HTTP
server decodes ``/v1/traces``, ``/v1/metrics`` and ``/v1/logs`` with opentelemetry-proto's
messages and files them in an :class:`~huleedu_otel.receiver.OtlpReceiver`, so one set of
assertions serves both protocols.
"""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from google.protobuf.message import Message
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from huleedu_otel.receiver import OtlpReceiver

#: path -> (request message, the receiver's list it goes to, response message)
_ROUTES: dict[str, tuple[type[Message], str, type[Message]]] = {
    "/v1/traces": (
        trace_service_pb2.ExportTraceServiceRequest,
        "trace_requests",
        trace_service_pb2.ExportTraceServiceResponse,
    ),
    "/v1/metrics": (
        metrics_service_pb2.ExportMetricsServiceRequest,
        "metric_requests",
        metrics_service_pb2.ExportMetricsServiceResponse,
    ),
    "/v1/logs": (
        logs_service_pb2.ExportLogsServiceRequest,
        "log_requests",
        logs_service_pb2.ExportLogsServiceResponse,
    ),
}


class OtlpHttpReceiver:
    """Listens on ``127.0.0.1`` at a free port and feeds ``sink``; use as a context manager."""

    def __init__(self, sink: OtlpReceiver) -> None:
        self.sink = sink
        self.paths: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> OtlpHttpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def accept(self, path: str, body: bytes, encoding: str) -> bytes | None:
        """The serialized response for a POST to ``path``, or None for an unknown path."""
        route = _ROUTES.get(path)
        if route is None:
            return None
        request_type, bucket, response_type = route
        request = request_type.FromString(gzip.decompress(body) if encoding == "gzip" else body)
        self.paths.append(path)
        getattr(self.sink, bucket).append(request)  # list.append is atomic
        return response_type().SerializeToString()


def _handler(receiver: OtlpHttpReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            answer = receiver.accept(self.path, body, self.headers.get("Content-Encoding", ""))
            self.send_response(404 if answer is None else 200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer or b"")))
            self.end_headers()
            self.wfile.write(answer or b"")

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test asserts on what arrived, not on access lines."""

    return Handler
