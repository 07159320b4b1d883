"""A service started as the seed shows: logging configured, then ``init_tracing``; run fresh."""

import logging

from opentelemetry import trace
from opentelemetry._logs import get_logger_provider

from huleedu_service_libs.logging_utils import configure_service_logging, create_service_logger
from huleedu_service_libs.observability import get_current_trace_id, init_tracing, trace_operation

configure_service_logging("e2e-svc", environment="production")
tracer = init_tracing("e2e-svc")
assert init_tracing("e2e-svc") is not None  # a second call configures nothing
logger = create_service_logger("e2e.worker")

with trace_operation(tracer, "e2e-work", {"essay.count": 2}):
    logger.info("structlog inside", password="p-1", essay_id="e1")
    logging.getLogger("e2e.library").warning("stdlib inside %s", "postgresql://u:pw-2@db/x")
    print(f"TRACE_ID={get_current_trace_id()}", flush=True)

trace.get_tracer_provider().force_flush()  # an SDK provider: configured above
get_logger_provider().force_flush()  # an SDK provider: configured above
