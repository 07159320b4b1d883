"""Prints whether the launcher left the overlapping contrib redis instrumentor switched on."""

from opentelemetry.instrumentation.redis import RedisInstrumentor

print(f"redis={RedisInstrumentor().is_instrumented_by_opentelemetry}")
