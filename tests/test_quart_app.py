"""HuleEduApp: the seed's examples run as written, and "guaranteed" is enforced at runtime."""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from dishka import AsyncContainer, Provider, Scope, make_async_container, provide
from quart import current_app, jsonify
from quart.testing.app import LifespanError
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from huleedu_service_libs import HuleEduApp, HuleEduError, InfrastructureNotConfiguredError
from tests._services import free_port, wait_for_port

if TYPE_CHECKING:
    current_app: HuleEduApp  # type: ignore[no-redef]  # the seed's IDE hint, as documented


class Greeter:
    """A service dependency the container provides and finalises."""

    def __init__(self) -> None:
        self.closed = False


class ServiceProvider(Provider):
    @provide(scope=Scope.APP)
    async def greeter(self) -> AsyncIterator[Greeter]:
        greeter = Greeter()
        yield greeter
        greeter.closed = True


class FakeKafkaConsumer:
    """A service's own consumer class (not ours): runs until cancelled, records stop()."""

    def __init__(self) -> None:
        self.stops = 0
        self.started = asyncio.Event()

    async def start(self) -> None:
        self.started.set()
        await asyncio.Event().wait()

    async def stop(self) -> None:
        self.stops += 1


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'service.db'}"


def create_app(database_url: str) -> HuleEduApp:
    """The seed's "Guaranteed Initialization Pattern", as written."""
    app = HuleEduApp(__name__)

    # IMMEDIATE initialization - satisfies non-optional contract
    app.database_engine = create_async_engine(database_url)
    app.container = make_async_container(ServiceProvider())

    # Extensions already initialized to empty dict
    app.extensions["metrics"] = {"requests": 0}

    @app.route("/healthz")
    async def health_check() -> Any:
        """The seed's health-check pattern: confident access, no None checks."""
        engine = current_app.database_engine  # ✅ Guaranteed to exist
        async with engine.connect() as connection:
            healthy = (await connection.execute(text("SELECT 1"))).scalar() == 1
        summary = {"overall_status": "healthy" if healthy else "unhealthy"}
        status_code = 200 if summary["overall_status"] == "healthy" else 503
        return jsonify(summary), status_code

    @app.route("/greeting")
    async def greeting() -> dict[str, bool]:
        """The seed's migration example: ``async with current_app.container() as ...``."""
        async with current_app.container() as request_container:  # No None check needed
            greeter = await request_container.get(Greeter)
        return {"closed": greeter.closed}

    return app


@pytest.fixture
def app(database_url: str) -> HuleEduApp:
    return create_app(database_url)


def _disposals(engine: AsyncEngine) -> list[bool]:
    """Filled when the engine is disposed (SQLAlchemy's ``engine_disposed`` event)."""
    disposed: list[bool] = []
    event.listen(engine.sync_engine, "engine_disposed", lambda _: disposed.append(True))
    return disposed


async def test_guaranteed_initialization_pattern_gives_typed_access(app: HuleEduApp) -> None:
    """The seed's create_app(): engine, container and extensions are there, no None checks."""
    engine = app.database_engine
    async with app.container() as request_container:
        greeter = await request_container.get(Greeter)

    assert isinstance(engine, AsyncEngine)
    assert isinstance(greeter, Greeter)
    assert app.extensions == {"metrics": {"requests": 0}}
    assert (app.tracer, app.consumer_task, app.kafka_consumer) == (None, None, None)
    await app.container.close()
    await engine.dispose()


async def test_health_check_pattern_answers_from_the_real_engine(app: HuleEduApp) -> None:
    """GET /healthz runs SELECT 1 through current_app.database_engine (aiosqlite)."""
    async with app.test_app() as test_app:
        response = await test_app.test_client().get("/healthz")
        greeting = await test_app.test_client().get("/greeting")

    assert (response.status_code, await response.get_json()) == (
        200,
        {"overall_status": "healthy"},
    )
    assert await greeting.get_json() == {"closed": False}


def test_reading_unset_infrastructure_raises_a_clear_typed_error() -> None:
    """Not AttributeError soup: our error, naming the attribute and how to set it."""
    app = HuleEduApp(__name__)

    with pytest.raises(InfrastructureNotConfiguredError, match=r"HuleEduApp.database_engine"):
        _ = app.database_engine
    with pytest.raises(HuleEduError, match=r"make_async_container"):
        _ = app.container
    assert not hasattr(app, "database_engine")  # still an AttributeError for hasattr()
    assert app.missing_infrastructure() == ["database_engine", "container"]


def test_setting_infrastructure_of_the_wrong_type_is_refused() -> None:
    """``app.database_engine = None`` (or a URL string) fails at once, not at the first query."""
    app = HuleEduApp(__name__)

    with pytest.raises(TypeError, match="database_engine must be a AsyncEngine, not NoneType"):
        app.database_engine = None  # type: ignore[assignment]
    with pytest.raises(TypeError, match="container must be a AsyncContainer, not str"):
        app.container = "container"  # type: ignore[assignment]


async def test_serving_refuses_to_start_without_the_guaranteed_infrastructure() -> None:
    """The lifespan startup fails, naming what is missing: no half-configured service."""
    app = HuleEduApp(__name__)
    app.container = make_async_container(ServiceProvider())

    with pytest.raises(LifespanError, match="cannot serve without database_engine"):
        async with app.test_app():
            pass
    await app.container.close()


async def test_infrastructure_set_in_before_serving_satisfies_the_check(
    database_url: str,
) -> None:
    """The seed's startup_setup pattern (set in a startup function) passes the check."""
    app = HuleEduApp(__name__)

    @app.before_serving
    async def setup_services() -> None:
        app.database_engine = create_async_engine(database_url)
        app.container = make_async_container(ServiceProvider())

    async with app.test_app():
        assert app.missing_infrastructure() == []


async def test_shutdown_cancels_the_consumer_and_releases_every_resource(
    app: HuleEduApp,
) -> None:
    """After serving: task cancelled and awaited, consumer stopped, container closed, engine
    disposed, in that order."""
    disposed: list[bool] = []
    event.listen(
        app.database_engine.sync_engine, "engine_disposed", lambda _: disposed.append(True)
    )
    consumer = FakeKafkaConsumer()

    async with app.test_app():
        async with app.container() as request_container:
            greeter = await request_container.get(Greeter)
        app.consumer_task = asyncio.create_task(consumer.start())
        app.kafka_consumer = consumer
        await consumer.started.wait()

    assert app.consumer_task.cancelled()
    assert (consumer.stops, greeter.closed, disposed) == (1, True, [True])


async def test_seed_background_task_pattern_runs_alongside_the_built_in_cleanup(
    app: HuleEduApp,
) -> None:
    """The seed's own after_serving (cancel, await, stop) still works; nothing fails twice."""
    consumer = FakeKafkaConsumer()

    @app.before_serving
    async def setup_background_tasks() -> None:
        app.consumer_task = asyncio.create_task(consumer.start())
        app.kafka_consumer = consumer

    @app.after_serving
    async def shutdown_background_tasks() -> None:
        """Graceful shutdown of background tasks (the seed's example)."""
        if app.consumer_task is not None:
            app.consumer_task.cancel()
            try:  # noqa: SIM105  (the seed's code, as written)
                await app.consumer_task
            except asyncio.CancelledError:
                pass

        if app.kafka_consumer is not None:
            await app.kafka_consumer.stop()

    async with app.test_app():
        await consumer.started.wait()

    assert app.consumer_task is not None
    assert app.consumer_task.cancelled()
    assert consumer.stops == 2  # the seed's stop() and ours: stop() must be idempotent


async def test_a_failing_shutdown_step_is_logged_and_the_rest_still_runs(
    app: HuleEduApp, caplog: pytest.LogCaptureFixture
) -> None:
    """A consumer whose stop() raises does not keep the engine from being disposed."""

    class BrokenConsumer:
        async def stop(self) -> None:
            raise RuntimeError("broker gone")

    disposed: list[bool] = []
    event.listen(
        app.database_engine.sync_engine, "engine_disposed", lambda _: disposed.append(True)
    )

    with caplog.at_level(logging.ERROR):
        async with app.test_app():
            app.kafka_consumer = BrokenConsumer()

    assert disposed == [True]
    assert [r.getMessage() for r in caplog.records] == [
        "Shutdown step kafka_consumer.stop() failed; continuing with the next"
    ]


def test_container_attribute_is_a_dishka_async_container(app: HuleEduApp) -> None:
    """The declared types are the real ones: dishka's AsyncContainer, SQLAlchemy's AsyncEngine."""
    assert isinstance(app.container, AsyncContainer)
    assert isinstance(app.database_engine, AsyncEngine)


async def _serve(app: HuleEduApp, port: int, stop: asyncio.Event) -> None:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    await serve(app, config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]


async def test_hypercorn_serves_the_app_and_releases_resources_on_shutdown(
    app: HuleEduApp,
) -> None:
    """Under a real server: /healthz answers 200, and stopping the server disposes the engine."""
    disposed = _disposals(app.database_engine)
    port, stop = free_port(), asyncio.Event()
    server = asyncio.create_task(_serve(app, port, stop))
    await asyncio.to_thread(wait_for_port, port)

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    await asyncio.to_thread(connection.request, "GET", "/healthz")
    response = await asyncio.to_thread(connection.getresponse)
    body = json.loads(response.read())
    connection.close()
    stop.set()
    await server

    assert (response.status, body) == (200, {"overall_status": "healthy"})
    assert disposed == [True]


async def test_hypercorn_refuses_to_serve_an_app_without_its_engine() -> None:
    """serve() fails at startup, before any request can reach a half-built service."""
    from hypercorn.utils import LifespanFailureError

    app = HuleEduApp(__name__)
    app.container = make_async_container(ServiceProvider())

    with pytest.raises(LifespanFailureError, match="cannot serve without database_engine"):
        await _serve(app, free_port(), asyncio.Event())
    await app.container.close()
