"""A minimal service with no telemetry code, for the Prometheus scrape test (run under the launcher).

It handles one pretend request (a span with two children), counts it, logs inside it, then
keeps serving ``/metrics`` until its parent closes stdin.
"""

from __future__ import annotations

import logging
import sys
import time

from opentelemetry import metrics, trace

tracer = trace.get_tracer("huleedu.demo.hello")
requests = metrics.get_meter("huleedu.demo.hello").create_counter(
    "demo.requests", unit="{request}", description="Pretend requests handled"
)
log = logging.getLogger("huleedu.demo.hello")


def handle_request(essay_id: str) -> None:
    with tracer.start_as_current_span("GET /essays/<essay_id>", kind=trace.SpanKind.SERVER):
        with tracer.start_as_current_span("SELECT essays", kind=trace.SpanKind.CLIENT):
            time.sleep(0.004)
        with tracer.start_as_current_span("send essay-events", kind=trace.SpanKind.PRODUCER):
            time.sleep(0.002)
        requests.add(1, {"http.route": "/essays/<essay_id>"})
        log.warning("essay served essay_id=%s", essay_id)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    handle_request("essay-42")
    print("ready", flush=True)
    sys.stdin.readline()


if __name__ == "__main__":
    main()
