"""What logging costs per event: our processors, our whole service path, and upstream's.

All variants log inside one recording span, so trace ids are really looked up and formatted.
Export goes to an in-memory SDK LoggerProvider (cleared every event), identical for ours and
upstream's ``opentelemetry-instrumentation-structlog`` processor.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from opentelemetry import trace
from opentelemetry.instrumentation.logging.handler import LoggingHandler
from opentelemetry.instrumentation.structlog import StructlogProcessor
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider
from structlog.typing import EventDict, Processor, WrappedLogger

from benchmarks._harness import Benchmark, Op, Variant
from huleedu_otel.structlog import StructlogInstrumentor
from huleedu_service_libs._log_processors import ServiceContext
from huleedu_service_libs.logging_utils import (
    add_trace_context,
    configure_service_logging,
    create_service_logger,
    redact_secrets,
)

FIELDS: dict[str, Any] = {"essay_id": "e-1", "score": 85, "user_id": "u-456"}
TRACE_CONTEXT_GOAL_SECONDS = 5e-6


@contextlib.contextmanager
def _inside_a_span() -> Iterator[None]:
    provider = TracerProvider()
    with trace.use_span(provider.get_tracer("bench").start_span("work"), end_on_exit=True):
        yield
    provider.shutdown()


@contextlib.contextmanager
def _in_memory_logs() -> Iterator[tuple[LoggerProvider, InMemoryLogRecordExporter]]:
    exporter = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
    provider = LoggerProvider()
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    yield provider, exporter
    provider.shutdown()


def _unchanged(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    return event_dict


def _processor_alone(processor: Processor) -> Any:
    @asynccontextmanager
    async def setup() -> AsyncIterator[Op]:
        with _inside_a_span():
            yield lambda: processor(None, "info", {"event": "x", **FIELDS})

    return setup


# --- structlog chains without stdlib: our processors vs upstream's export processor ---

_BARE_CHAIN: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def _structlog_chain(*extra: Processor, export: bool = False) -> Any:
    @asynccontextmanager
    async def setup() -> AsyncIterator[Op]:
        with _inside_a_span(), _in_memory_logs() as (provider, exporter):
            exporting = [StructlogProcessor(logger_provider=provider)] if export else []
            structlog.configure(
                processors=[*_BARE_CHAIN, *extra, *exporting, structlog.processors.JSONRenderer()],
                logger_factory=structlog.ReturnLoggerFactory(),
                cache_logger_on_first_use=True,
            )
            logger = structlog.get_logger("bench")

            def op() -> None:
                logger.info("essay graded", **FIELDS)
                exporter.clear()

            yield op
            structlog.reset_defaults()

    return setup


# --- the whole service path: structlog -> stdlib -> rendered line + OTel export ---


@contextlib.contextmanager
def _root_handlers(*handlers: logging.Handler) -> Iterator[None]:
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    root.handlers[:] = list(handlers)
    root.setLevel(logging.INFO)
    yield
    root.handlers[:] = saved
    root.setLevel(level)


@contextlib.contextmanager
def _stdout_to_devnull() -> Iterator[None]:
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        yield


def _null_stream_handler(formatter: logging.Formatter) -> logging.Handler:
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - closed with the handler
    handler.setFormatter(formatter)
    return handler


def _stdlib_path(*, export: bool) -> Any:
    """structlog through stdlib with a JSON ProcessorFormatter: plain, or with upstream export."""

    @asynccontextmanager
    async def setup() -> AsyncIterator[Op]:
        with _inside_a_span(), _in_memory_logs() as (provider, exporter):
            exporting = [StructlogProcessor(logger_provider=provider)] if export else []
            structlog.configure(
                processors=[
                    *_BARE_CHAIN,
                    *exporting,
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
                ],
                logger_factory=structlog.stdlib.LoggerFactory(),
                wrapper_class=structlog.stdlib.BoundLogger,
                cache_logger_on_first_use=True,
            )
            formatter = structlog.stdlib.ProcessorFormatter(
                processors=[
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.JSONRenderer(),
                ]
            )
            with _root_handlers(_null_stream_handler(formatter)):
                logger = structlog.stdlib.get_logger("bench")

                def op() -> None:
                    logger.info("essay graded", **FIELDS)
                    exporter.clear()

                yield op
            structlog.reset_defaults()

    return setup


@asynccontextmanager
async def _service_path() -> AsyncIterator[Op]:
    """``configure_service_logging`` plus the distro's OTel handler and our instrumentor."""
    with _inside_a_span(), _in_memory_logs() as (provider, exporter):
        with _root_handlers(LoggingHandler(logger_provider=provider)), _stdout_to_devnull():
            configure_service_logging("bench", environment="production")
            instrumentor = StructlogInstrumentor()
            instrumentor.instrument()
            logger = create_service_logger("bench")

            def op() -> None:
                logger.info("essay graded", **FIELDS)
                exporter.clear()

            yield op
            instrumentor.uninstrument()
        structlog.reset_defaults()


def _judge_trace_context(per_op: dict[str, float]) -> str:
    overhead = per_op["add_trace_context"] - per_op["a processor that changes nothing"]
    verdict = "met" if overhead <= TRACE_CONTEXT_GOAL_SECONDS else "NOT met"
    return f"{verdict}: {overhead * 1e6:.2f} µs per event (goal <= 5 µs)"


BENCHMARKS = [
    Benchmark(
        name="logging_trace_context",
        what="the trace-context processor alone, inside a recording span, per event",
        variants=[
            Variant("a processor that changes nothing", "bare", _processor_alone(_unchanged)),
            Variant("add_trace_context", "ours", _processor_alone(add_trace_context)),
            Variant("redact_secrets (for scale)", "peer", _processor_alone(redact_secrets)),
        ],
        number=20_000,
        repeat=5,
        goal="add_trace_context costs at most 5 µs per event",
        judge=_judge_trace_context,
    ),
    Benchmark(
        name="logging_processors",
        what="structlog event rendered as JSON (no stdlib), per event",
        variants=[
            Variant("bare chain (contextvars, level, time, JSON)", "bare", _structlog_chain()),
            Variant(
                "bare + ours (service, trace ids, redaction)",
                "ours",
                _structlog_chain(
                    ServiceContext("bench", "production"), add_trace_context, redact_secrets
                ),
            ),
            Variant(
                "bare + upstream StructlogProcessor (export)", "peer", _structlog_chain(export=True)
            ),
        ],
        number=5_000,
        repeat=5,
    ),
    Benchmark(
        name="logging_service_path",
        what="structlog -> stdlib -> JSON line (+ OTel log export), per event",
        variants=[
            Variant("stdlib-routed JSON, no export", "bare", _stdlib_path(export=False)),
            Variant("configure_service_logging + OTel bridge", "ours", _service_path),
            Variant(
                "stdlib-routed + upstream StructlogProcessor", "peer", _stdlib_path(export=True)
            ),
        ],
        number=3_000,
        repeat=5,
    ),
]
