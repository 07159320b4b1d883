"""Upstream's OTLP/gRPC span and log exporters, sending the bytes of our encoders.

Only the request's making changes: ``_translate_data`` returns bytes, and the client that sends
them is a unary call on the exporter's own channel with no request serializer (gRPC passes bytes
through as they are). Retries, reconnects, headers, compression, timeouts and the exporter's
self-metrics stay upstream's; a reconnect builds a new channel and so a new client here too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import grpc
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk.trace import ReadableSpan

from huleedu_otel._setup.otlp.logs import encode_logs
from huleedu_otel._setup.otlp.spans import encode_spans

__all__ = ["BytesLogExporter", "BytesSpanExporter"]

TRACES_METHOD = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
LOGS_METHOD = "/opentelemetry.proto.collector.logs.v1.LogsService/Export"


class _BytesClient:
    """Stands in for the generated stub: ``Export`` takes the request already serialised."""

    def __init__(
        self, channel: grpc.Channel, method: str, deserialize: Callable[[bytes], Any]
    ) -> None:
        self.Export = channel.unary_unary(
            method, request_serializer=None, response_deserializer=deserialize
        )


def _use_bytes_client(exporter: Any, method: str, deserialize: Callable[[bytes], Any]) -> None:
    """Replace the stub upstream just made (its attributes are typed ``None`` upstream)."""
    exporter._client = _BytesClient(exporter._channel, method, deserialize)


class BytesSpanExporter(OTLPSpanExporter):
    """``OTLPSpanExporter`` with our span encoder."""

    def _translate_data(self, data: Sequence[ReadableSpan]) -> bytes:  # type: ignore[override]
        return encode_spans(data)

    def _initialize_channel_and_stub(self) -> None:
        super()._initialize_channel_and_stub()  # type: ignore[no-untyped-call]
        _use_bytes_client(self, TRACES_METHOD, ExportTraceServiceResponse.FromString)


class BytesLogExporter(OTLPLogExporter):
    """``OTLPLogExporter`` with our log record encoder."""

    def _translate_data(self, data: Sequence[ReadableLogRecord]) -> bytes:  # type: ignore[override]
        return encode_logs(data)

    def _initialize_channel_and_stub(self) -> None:
        super()._initialize_channel_and_stub()  # type: ignore[no-untyped-call]
        _use_bytes_client(self, LOGS_METHOD, ExportLogsServiceResponse.FromString)
