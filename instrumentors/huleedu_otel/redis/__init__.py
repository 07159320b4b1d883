"""OpenTelemetry instrumentation for redis-py, asyncio and sync clients.

One CLIENT span per command, named by the command (``GET``, ``SET``, ``EVALSHA``); a pipeline
or MULTI/EXEC block is one span (``PIPELINE`` / ``MULTI``) with ``db.operation.batch.size``.
``db.query.text`` keeps the command names and replaces every argument with ``?``: keys,
values and passwords are never recorded. Each round trip is measured in
``db.client.operation.duration`` unless redis-py's own metrics already do it.

Usage::

    from huleedu_otel.redis import RedisInstrumentor

    RedisInstrumentor().instrument()   # the Distro does this for you

Options: ``tracer_provider``, ``meter_provider``, ``request_hook(span, client, args, kwargs)``
and ``response_hook(span, client, response)``. A hook that raises is logged; the command
goes on. ``suppress_instrumentation()`` turns it off for a block. If upstream's contrib redis
instrumentor is switched on as well, its spans stand and ours only measures the duration.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import Any

import redis.asyncio.client
import redis.client
from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]
    BaseInstrumentor,
)
from opentelemetry.instrumentation.utils import unwrap
from opentelemetry.trace import get_tracer
from wrapt import wrap_function_wrapper

from huleedu_otel.redis._contrib import contrib_tracing_check
from huleedu_otel.redis._telemetry import RedisTelemetry
from huleedu_otel.redis._wrappers import (
    async_wrapper,
    describe_command,
    describe_pipeline,
    sync_wrapper,
)
from huleedu_otel.redis.package import _instruments
from huleedu_service_libs._shared import db_duration as _db_duration

__all__ = ["RedisInstrumentor"]

_SCOPE = "huleedu_otel.redis"
#: (class, method, is it asyncio, how to describe the call)
_TARGETS = (
    (redis.client.Redis, "execute_command", False, describe_command),
    (redis.client.Pipeline, "immediate_execute_command", False, describe_command),
    (redis.client.Pipeline, "execute", False, describe_pipeline),
    (redis.asyncio.client.Redis, "execute_command", True, describe_command),
    (redis.asyncio.client.Pipeline, "immediate_execute_command", True, describe_command),
    (redis.asyncio.client.Pipeline, "execute", True, describe_pipeline),
)


class RedisInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Spans and duration metrics for every redis-py command, pipeline and transaction."""

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    def _instrument(self, **kwargs: Any) -> None:
        sync_telemetry = _telemetry(**kwargs)
        async_telemetry = replace(sync_telemetry, asyncio=True)
        for owner, method, is_async, describe in _TARGETS:
            if is_async:
                wrapper = async_wrapper(async_telemetry, describe)
            else:
                wrapper = sync_wrapper(sync_telemetry, describe)
            wrap_function_wrapper(owner, method, wrapper)

    def _uninstrument(self, **kwargs: Any) -> None:
        for owner, method, _, _ in _TARGETS:
            unwrap(owner, method)


def _telemetry(**kwargs: Any) -> RedisTelemetry:
    tracer = get_tracer(_SCOPE, tracer_provider=kwargs.get("tracer_provider"))
    duration = _db_duration.create(kwargs.get("meter_provider"))
    return RedisTelemetry(
        tracer,
        duration,
        kwargs.get("request_hook"),
        kwargs.get("response_hook"),
        spans_owned_elsewhere=contrib_tracing_check(),
    )
