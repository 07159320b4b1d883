"""A relay replica for the outbox SIGKILL experiment.

Usage: python -m tests.reliability._outbox_relay CONFIG_JSON  (see ``RelayConfig``)

Runs an ``EventRelayWorker`` on the experiment's outbox table until no row is pending, then
exits 0. The test SIGKILLs it at seeded points and starts it again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import create_async_engine

from huleedu_service_libs import KafkaBus
from huleedu_service_libs.outbox import (
    EventRelayWorker,
    OutboxSettings,
    PostgreSQLOutboxRepository,
    outbox_table,
)


@dataclasses.dataclass(frozen=True)
class RelayConfig:
    postgres_url: str
    table: str
    bootstrap: str
    batch_size: int
    replica: str

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))


async def main(config: RelayConfig) -> None:
    engine = create_async_engine(config.postgres_url)
    table = outbox_table(MetaData(), name=config.table)
    repository = PostgreSQLOutboxRepository(engine, config.replica, table=table)
    settings = OutboxSettings(poll_interval_seconds=0.02, batch_size=config.batch_size)
    async with KafkaBus(
        client_id=config.replica, bootstrap_servers=config.bootstrap, enable_idempotence=False
    ) as bus:
        relay = EventRelayWorker(repository, bus, settings, config.replica)
        await relay.start()
        while await repository.get_unpublished_events(limit=1):  # noqa: ASYNC110 (the database is the condition)
            await asyncio.sleep(0.05)
        await relay.stop()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(RelayConfig(**json.loads(sys.argv[1]))))
