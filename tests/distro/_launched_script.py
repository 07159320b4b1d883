"""A plain script with no telemetry setup of its own; the tests run it under the launcher."""

import logging
import sys

from opentelemetry import metrics, trace

tracer = trace.get_tracer("launched-script")
counter = metrics.get_meter("launched-script").create_counter("script.work.done", unit="{item}")
log = logging.getLogger("launched-script")
logging.getLogger().setLevel(logging.INFO)

with tracer.start_as_current_span("do-work") as span:
    counter.add(3, {"kind": "demo"})
    log.warning("work done inside the span")
    print(format(span.get_span_context().trace_id, "032x"), flush=True)

print("ready", flush=True)
sys.stdin.readline()
