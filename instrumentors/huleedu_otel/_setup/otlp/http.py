"""Upstream's OTLP/HTTP span and log exporters, sending the bytes of our encoders.

The OpenTelemetry Operator's default protocol is http/protobuf, so a service it injects pays the
encoder on this path. Upstream's ``export()`` encodes inline, so ``export`` is the one method
replaced here: encode with ours, then upstream's own size limit, HTTP client (retries, timeout,
compression, headers) and self-metrics, as its ``export`` does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from opentelemetry.exporter.otlp.proto.http._common import (
    RequestPayloadTooLargeError,
    _is_request_too_large,
)
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk._logs.export import LogRecordExportResult
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExportResult
from opentelemetry.semconv.attributes.http_attributes import HTTP_RESPONSE_STATUS_CODE

from huleedu_otel._setup.otlp.logs import encode_logs
from huleedu_otel._setup.otlp.spans import encode_spans

__all__ = ["BytesHttpLogExporter", "BytesHttpSpanExporter"]

_log = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result", SpanExportResult, LogRecordExportResult)


def _export(
    exporter: Any,
    batch: Sequence[Item],
    encode: Callable[[Sequence[Item]], bytes],
    success: Result,
    failure: Result,
    kind: str,
) -> Result:
    """What upstream's ``export`` does, with ``encode`` making the request's bytes."""
    if exporter._shutdown:
        _log.warning("Exporter already shut down, ignoring a batch of %s", kind)
        return failure
    with exporter._metrics.export_operation(len(batch)) as result:
        try:
            data = encode(batch)
        except Exception as error:
            _log.error("Failed to encode a batch of %s: %s", kind, type(error).__name__)
            result.error = error
            return failure
        limit = exporter._max_request_size
        if _is_request_too_large(data, limit):
            _log.warning("Dropping a batch of %s: %d bytes exceed %d", kind, len(data), limit)
            result.error = RequestPayloadTooLargeError(
                f"Serialized {kind} request size {len(data)} bytes exceeds max_request_size "
                f"{limit} bytes."
            )
            return failure
        sent = exporter._client.export(data)
        if not sent.success:
            result.error = sent.error
            if sent.status_code is not None:
                result.error_attrs = {HTTP_RESPONSE_STATUS_CODE: sent.status_code}
            return failure
    return success


class BytesHttpSpanExporter(OTLPSpanExporter):
    """``OTLPSpanExporter`` (http/protobuf) with our span encoder."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return _export(
            self, spans, encode_spans, SpanExportResult.SUCCESS, SpanExportResult.FAILURE, "spans"
        )


class BytesHttpLogExporter(OTLPLogExporter):
    """``OTLPLogExporter`` (http/protobuf) with our log record encoder."""

    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        return _export(
            self,
            batch,
            encode_logs,
            LogRecordExportResult.SUCCESS,
            LogRecordExportResult.FAILURE,
            "logs",
        )
