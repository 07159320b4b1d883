"""The resource every signal carries: its hash is computed once and agrees with the SDK's."""

from __future__ import annotations

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from huleedu_otel import TelemetrySettings
from huleedu_otel._setup.resource import build_resource


def _resource() -> Resource:
    return build_resource(TelemetrySettings.from_env("resource-test", env={}))


def test_the_resource_hashes_and_compares_like_the_sdks() -> None:
    """Dictionaries keyed by the SDK's Resource (the encoders' grouping) find ours, and back."""
    ours = _resource()
    plain = Resource(ours.attributes, ours.schema_url)

    assert hash(plain) == hash(ours)
    assert plain == ours
    assert {plain: "found"}[ours] == "found"
    assert ours.attributes["service.name"] == "resource-test"


def test_the_spans_of_one_provider_are_encoded_under_one_resource() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=_resource())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    for name in ("a", "b", "c"):
        tracer.start_span(name).end()

    request = encode_spans(exporter.get_finished_spans())

    assert len(request.resource_spans) == 1
    assert [s.name for s in request.resource_spans[0].scope_spans[0].spans] == ["a", "b", "c"]
    provider.shutdown()
