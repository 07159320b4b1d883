"""A service-like script with no telemetry code: it only creates an async engine and queries.

The launcher test runs it under ``opentelemetry-instrument`` with the database URL as argv[1].
"""

import asyncio
import sys

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


async def main(url: str) -> None:
    engine = create_async_engine(url, pool_size=2, max_overflow=1)
    async with engine.connect() as conn:
        await conn.execute(text("SELECT count(*) FROM pg_class WHERE relname = 'x'"))
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    await engine.dispose()


asyncio.run(main(sys.argv[1]))
