"""Fixtures for the outbox tests: a fresh outbox table per test in the shared PostgreSQL (other
test runs use the same database at the same time), a started ``KafkaBus`` and unique topics."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncEngine

from huleedu_service_libs import KafkaBus
from huleedu_service_libs.outbox import (
    PostgreSQLOutboxRepository,
    create_outbox_table,
    outbox_table,
)
from tests.messaging._kafka import TANSU_OPTIONS


@pytest.fixture
async def table(engine: AsyncEngine) -> AsyncIterator[Table]:
    table = outbox_table(MetaData(), name=f"outbox_{uuid.uuid4().hex[:12]}")
    await create_outbox_table(engine, table)
    yield table
    async with engine.begin() as connection:
        await connection.run_sync(table.drop)


@pytest.fixture
def repository(engine: AsyncEngine, table: Table) -> PostgreSQLOutboxRepository:
    return PostgreSQLOutboxRepository(engine, service_name="test-service", table=table)


@pytest.fixture
def topic() -> str:
    return f"outbox-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def bus(kafka_bootstrap: str) -> AsyncIterator[KafkaBus]:
    async with KafkaBus(
        client_id="outbox-relay", bootstrap_servers=kafka_bootstrap, **TANSU_OPTIONS
    ) as bus:
        yield bus
