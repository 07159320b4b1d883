"""The reliability suite: faults injected into real servers, bad input, secrets, cardinality.

Each test states the fault, the load and what must hold. Longer soaks are marked ``slow`` and
run with ``--run-slow``; the default run stays within a few minutes for CI.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from huleedu_otel.aiokafka import AIOKafkaInstrumentor
from huleedu_otel.redis import RedisInstrumentor


@pytest.fixture
def aiokafka_instrumented() -> Iterator[None]:
    """The ``huleedu_aiokafka`` instrumentor on for the test, off after it."""
    instrumentor = AIOKafkaInstrumentor()
    instrumentor.instrument()
    yield
    instrumentor.uninstrument()


@pytest.fixture
def redis_instrumented() -> Iterator[None]:
    """The ``huleedu_redis`` instrumentor on for the test, off after it."""
    instrumentor = RedisInstrumentor()
    instrumentor.instrument()
    yield
    instrumentor.uninstrument()
