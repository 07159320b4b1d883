"""The app factory, following the seed's guaranteed-infrastructure pattern; the outbox relay
starts with the app and stops when its container closes."""

from __future__ import annotations

import asyncio

from dishka import make_async_container
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from huleedu_otel.tools.examples.essay_service.consumer import EssayEventConsumer
from huleedu_otel.tools.examples.essay_service.di import EssayServiceProvider
from huleedu_otel.tools.examples.essay_service.grader import FlakyGrader
from huleedu_otel.tools.examples.essay_service.models import Base
from huleedu_otel.tools.examples.essay_service.routes import bp
from huleedu_otel.tools.examples.essay_service.settings import Settings
from huleedu_service_libs import HuleEduApp
from huleedu_service_libs.logging_utils import configure_service_logging
from huleedu_service_libs.outbox import EventRelayWorker, OutboxProvider, create_outbox_table
from huleedu_service_libs.protocols import RedisClientProtocol


def create_app(settings: Settings | None = None) -> HuleEduApp:
    settings = settings or Settings()
    configure_service_logging(settings.SERVICE_NAME, settings.ENVIRONMENT, settings.LOG_LEVEL)
    app = HuleEduApp(__name__)
    grader = FlakyGrader()
    # Guaranteed infrastructure, set immediately (the seed's contract).
    app.database_engine = create_async_engine(settings.DATABASE_URL)
    app.container = make_async_container(
        EssayServiceProvider(settings, grader, app.database_engine),
        OutboxProvider(settings.SERVICE_NAME),
    )
    app.extensions["flaky_grader"] = grader
    app.extensions["sessions"] = async_sessionmaker(app.database_engine, expire_on_commit=False)
    app.register_blueprint(bp)

    @app.before_serving
    async def prepare() -> None:
        async with app.database_engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        await create_outbox_table(app.database_engine)
        await app.container.get(EventRelayWorker)  # the relay runs until the container closes
        if settings.RUN_CONSUMER:
            redis_client = await app.container.get(RedisClientProtocol)
            consumer = EssayEventConsumer(settings, app.database_engine, redis_client)
            await consumer.start()
            app.kafka_consumer = consumer
            app.consumer_task = asyncio.create_task(consumer.run())

    return app


app = create_app()
