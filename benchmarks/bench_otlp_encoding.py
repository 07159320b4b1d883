"""Encoding one export batch to OTLP bytes: upstream's encoder vs ours.

A batch is what the export thread encodes under the GIL in one go: 64 items, our batch size.
The spans are a request's worth repeated: a SERVER span with 10 attributes, a PostgreSQL CLIENT
span with its statement text, a Redis CLIENT span; the client port differs per request, as it
does in a service. The log records are structlog-shaped (a message body, 5 attributes). Upstream
builds the generated messages and serialises them; ours writes the bytes directly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs as upstream_logs
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans as upstream_spans
from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from opentelemetry.util.types import AttributeValue

from benchmarks._harness import Benchmark, Variant, constant
from huleedu_otel._setup.otlp.logs import encode_logs
from huleedu_otel._setup.otlp.spans import encode_spans

BATCH = 64
RESOURCE = Resource(
    {"service.name": "essay-service", "service.version": "1.4.0", "deployment.environment": "prod"}
)
STATEMENT = (
    "SELECT essays.id, essays.title, essays.body, essays.author_id, essays.created_at "
    "FROM essays WHERE essays.id = $1::UUID AND essays.deleted_at IS NULL"
)


def _spans() -> Sequence[ReadableSpan]:
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=RESOURCE)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    server_tracer = provider.get_tracer("huleedu_otel.quart", "0.1.0")
    db_tracer = provider.get_tracer("huleedu_otel.sqlalchemy", "0.1.0")
    redis_tracer = provider.get_tracer("huleedu_otel.redis", "0.1.0")
    for n in range(BATCH // 3 + 1):
        server: dict[str, AttributeValue] = {
            "http.request.method": "GET",
            "url.scheme": "http",
            "url.path": "/v1/essays/42",
            "http.route": "/v1/essays/<essay_id>",
            "http.response.status_code": 200,
            "server.address": "essay-service",
            "server.port": 8000,
            "network.protocol.version": "1.1",
            "client.address": "10.0.3.17",
            "client.port": 40_000 + n,
        }
        with server_tracer.start_as_current_span(
            "GET /v1/essays/<essay_id>", kind=SpanKind.SERVER, attributes=server
        ):
            with db_tracer.start_as_current_span(
                "SELECT essays",
                kind=SpanKind.CLIENT,
                attributes={
                    "db.system.name": "postgresql",
                    "db.namespace": "essays",
                    "db.operation.name": "SELECT",
                    "db.collection.name": "essays",
                    "db.query.text": STATEMENT,
                    "server.address": "postgres",
                    "server.port": 5432,
                },
            ):
                pass
            with redis_tracer.start_as_current_span(
                "GET",
                kind=SpanKind.CLIENT,
                attributes={
                    "db.system.name": "redis",
                    "db.operation.name": "GET",
                    "db.namespace": "0",
                    "server.address": "redis",
                    "server.port": 6379,
                },
            ):
                pass
    return memory.get_finished_spans()[:BATCH]


def _logs() -> Sequence[ReadableLogRecord]:
    memory = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
    provider = LoggerProvider(resource=RESOURCE)
    provider.add_log_record_processor(SimpleLogRecordProcessor(memory))
    logger = provider.get_logger("huleedu_service_libs.logging")
    for n in range(BATCH):
        logger.emit(
            body="essay fetched",
            severity_number=SeverityNumber.INFO,
            severity_text="INFO",
            attributes={
                "logger.name": "essay_service.api",
                "correlation_id": f"7f3c2a1e-{n:04d}",
                "essay_id": "42",
                "code.function.name": "get_essay",
                "code.line.number": 88,
            },
        )
    return memory.get_finished_logs()


SPANS = _spans()
LOGS = _logs()


def _judge(ours: str, peer: str, item: str) -> Callable[[dict[str, float]], str]:
    def judge(per_op: dict[str, float]) -> str:
        mine, theirs = per_op[ours] / BATCH * 1e6, per_op[peer] / BATCH * 1e6
        return f"{mine:.2f} µs/{item} ours vs {theirs:.2f} upstream: {theirs / mine:.1f}x less"

    return judge


BENCHMARKS = [
    Benchmark(
        name="otlp_encode_spans",
        what=f"one export batch of {BATCH} spans (server, db, redis) to request bytes, per batch",
        variants=[
            Variant(
                "upstream encode_spans + serialise",
                "peer",
                constant(lambda: upstream_spans(SPANS).SerializePartialToString()),
            ),
            Variant("ours: encode_spans (bytes)", "ours", constant(lambda: encode_spans(SPANS))),
        ],
        number=200,
        judge=_judge("ours: encode_spans (bytes)", "upstream encode_spans + serialise", "span"),
    ),
    Benchmark(
        name="otlp_encode_logs",
        what=f"one export batch of {BATCH} log records to request bytes, per batch",
        variants=[
            Variant(
                "upstream encode_logs + serialise",
                "peer",
                constant(lambda: upstream_logs(LOGS).SerializeToString()),
            ),
            Variant("ours: encode_logs (bytes)", "ours", constant(lambda: encode_logs(LOGS))),
        ],
        number=200,
        judge=_judge("ours: encode_logs (bytes)", "upstream encode_logs + serialise", "record"),
    ),
]
