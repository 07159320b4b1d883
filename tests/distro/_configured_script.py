"""A script that sets telemetry up from code; the tests run it in a fresh process."""

import logging
import sys

from opentelemetry import metrics, trace

import huleedu_otel

handle = huleedu_otel.configure("coded-svc", service_version="2.3.4")
again = huleedu_otel.configure("other-name")
assert again is handle

tracer = trace.get_tracer("configured-script")
counter = metrics.get_meter("configured-script").create_counter("script.work.done")
logging.getLogger().setLevel(logging.INFO)
with tracer.start_as_current_span("coded-work") as span:
    counter.add(1)
    logging.getLogger("configured-script").info("inside the coded span")
    print(format(span.get_span_context().trace_id, "032x"), flush=True)
print(handle.prometheus_port, flush=True)
sys.stdin.readline()
handle.shutdown()
handle.shutdown()
print("shut down", flush=True)
