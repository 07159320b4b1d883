"""The wrapt wrappers: one span per command, one per pipeline or MULTI block.

Each factory closes over the :class:`RedisTelemetry` of one ``instrument()`` call. The
wrapped call runs exactly once whatever happens on the telemetry side.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from opentelemetry.instrumentation.utils import is_instrumentation_enabled

from huleedu_otel.redis._commands import Command, pipeline_command, single_command
from huleedu_otel.redis._telemetry import RedisTelemetry

__all__ = ["async_wrapper", "describe_command", "describe_pipeline", "sync_wrapper"]

Wrapper = Callable[[Callable[..., Any], Any, tuple[Any, ...], dict[str, Any]], Any]
Describe = Callable[[Any, tuple[Any, ...]], Command | None]


def describe_command(client: Any, args: tuple[Any, ...]) -> Command | None:
    return single_command(args) if args else None


def describe_pipeline(pipeline: Any, args: tuple[Any, ...]) -> Command | None:
    return pipeline_command(pipeline)


def sync_wrapper(telemetry: RedisTelemetry, describe: Describe) -> Wrapper:
    def traced(
        wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        enabled = is_instrumentation_enabled()
        observation = telemetry.start(instance, describe, args, kwargs) if enabled else None
        if observation is None:
            return wrapped(*args, **kwargs)
        try:
            response = wrapped(*args, **kwargs)
        except BaseException as error:
            observation.finish(instance, error)
            raise
        observation.finish(instance, None, response)
        return response

    return traced


def async_wrapper(telemetry: RedisTelemetry, describe: Describe) -> Wrapper:
    async def traced(
        wrapped: Callable[..., Awaitable[Any]],
        instance: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        enabled = is_instrumentation_enabled()
        observation = telemetry.start(instance, describe, args, kwargs) if enabled else None
        if observation is None:
            return await wrapped(*args, **kwargs)
        try:
            response = await wrapped(*args, **kwargs)
        except BaseException as error:
            observation.finish(instance, error)
            raise
        observation.finish(instance, None, response)
        return response

    return traced
