"""Emits telemetry towards a collector that is not there, then shuts down with a deadline."""

import logging
import sys
import time

from opentelemetry import metrics, trace

import huleedu_otel

handle = huleedu_otel.configure("unreachable-svc")
tracer = trace.get_tracer("unreachable")
for _ in range(200):
    with tracer.start_as_current_span("work"):
        logging.getLogger("unreachable").warning("work done")
metrics.get_meter("unreachable").create_counter("work.count").add(1)
started = time.monotonic()
handle.shutdown(timeout_millis=int(sys.argv[1]))
print(f"{time.monotonic() - started:.2f}", flush=True)
