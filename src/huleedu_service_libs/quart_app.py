"""``HuleEduApp``: a Quart app whose infrastructure is declared, typed and enforced.

Instead of ``setattr``/``getattr`` on the app (a hidden service locator), the infrastructure a
service runs on is declared here. ``database_engine`` and ``container`` are guaranteed:

* reading one that was never set raises :class:`InfrastructureNotConfiguredError` naming it;
* setting one checks its type;
* serving refuses to start while one is missing: the check runs after every
  ``before_serving`` function, so both the seed's "set it in ``create_app()``" and
  "set it in a startup function" patterns pass, and a forgotten one fails the lifespan
  startup instead of the first request. (Quart's test client runs no lifespan, so tests
  that only use it need not set either.)

At shutdown, after the app's own ``after_serving`` functions, the app releases what it holds:
it cancels and awaits ``consumer_task``, stops ``kafka_consumer``, stops ``kafka_bus`` within
``KAFKA_STOP_TIMEOUT`` seconds (default: the bus's delivery timeout, so a broker outage cannot
hang shutdown), closes the ``container``
and disposes the ``database_engine``. Each step is logged and never stops the next. Doing the
seed's manual cleanup in ``after_serving`` as well is harmless.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from dishka import AsyncContainer
from opentelemetry.trace import Tracer
from quart import Quart
from sqlalchemy.ext.asyncio import AsyncEngine

from huleedu_service_libs._guaranteed import Guaranteed
from huleedu_service_libs.errors import InfrastructureNotConfiguredError

if TYPE_CHECKING:
    from huleedu_service_libs.kafka_client import KafkaBus

__all__ = ["HuleEduApp"]

_log = logging.getLogger(__name__)


class HuleEduApp(Quart):
    """Type-safe Quart application with guaranteed HuleEdu infrastructure."""

    # GUARANTEED INFRASTRUCTURE: every service sets these before serving.
    database_engine = Guaranteed(AsyncEngine, "set app.database_engine in create_app()")
    container = Guaranteed(AsyncContainer, "set app.container = make_async_container(...)")
    extensions: dict[str, Any]

    # OPTIONAL INFRASTRUCTURE (service-specific): may stay None.
    tracer: Tracer | None = None
    consumer_task: asyncio.Task[None] | None = None
    kafka_consumer: Any | None = None
    kafka_bus: KafkaBus | None = None

    def __init__(self, import_name: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(import_name, *args, **kwargs)
        self.tracer = None
        self.consumer_task = None
        self.kafka_consumer = None
        self.kafka_bus = None
        self.config.setdefault("KAFKA_STOP_TIMEOUT", None)

    def missing_infrastructure(self) -> list[str]:
        """Names of the guaranteed attributes not set yet."""
        declared: dict[str, Guaranteed[Any]] = {
            "database_engine": HuleEduApp.database_engine,
            "container": HuleEduApp.container,
        }
        return [name for name, attribute in declared.items() if not attribute.is_set(self)]

    async def startup(self) -> None:
        """Quart's startup, then the guarantee: no serving without the infrastructure."""
        await super().startup()
        missing = self.missing_infrastructure()
        if missing:
            raise InfrastructureNotConfiguredError(
                f"{type(self).__name__} cannot serve without {', '.join(missing)}"
            )

    async def shutdown(self) -> None:
        """Quart's shutdown (``after_serving`` functions), then the release of resources."""
        try:
            await super().shutdown()
        finally:
            await self._release_infrastructure()

    async def _release_infrastructure(self) -> None:
        await self._stop_consumer_task()
        if self.kafka_consumer is not None:
            await _logged("kafka_consumer.stop()", self.kafka_consumer.stop())
        if self.kafka_bus is not None:
            timeout = self.config["KAFKA_STOP_TIMEOUT"]
            await _logged("kafka_bus.stop()", self.kafka_bus.stop(timeout=timeout))
        if HuleEduApp.container.is_set(self):
            await _logged("container.close()", self.container.close())
        if HuleEduApp.database_engine.is_set(self):
            await _logged("database_engine.dispose()", self.database_engine.dispose())

    async def _stop_consumer_task(self) -> None:
        """Cancel and wait, without swallowing a cancellation aimed at shutdown itself."""
        task = self.consumer_task
        if task is None:
            return
        task.cancel()
        await asyncio.wait({task}, timeout=self.config["BACKGROUND_TASK_SHUTDOWN_TIMEOUT"])
        if not task.done():
            _log.error("consumer_task did not stop within the shutdown timeout")
        elif not task.cancelled() and task.exception() is not None:
            _log.error("consumer_task had failed", exc_info=task.exception())


async def _logged(what: str, step: Awaitable[Any]) -> None:
    try:
        await step
    except Exception:
        _log.exception("Shutdown step %s failed; continuing with the next", what)
