"""Prints which overlapping contrib instrumentors the launcher left switched on."""

from opentelemetry.instrumentation.aiokafka import AIOKafkaInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor

print(
    f"redis={RedisInstrumentor().is_instrumented_by_opentelemetry} "
    f"aiokafka={AIOKafkaInstrumentor().is_instrumented_by_opentelemetry}"
)
