"""A small bounded HTTP/1.1 load driver on raw asyncio streams (no client library needed).

``concurrency`` keep-alive connections share ``count`` GET requests; each request's latency
is measured from write to the end of its response body.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    """Latencies of the requests that got a 2xx; everything else is a failure."""

    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.latencies, n=20)[-1]

    def summary(self) -> str:
        return (
            f"{len(self.latencies)} ok, {len(self.failures)} failed, "
            f"median {self.median * 1000:.2f} ms, p95 {self.p95 * 1000:.2f} ms"
        )


async def drive(
    port: int, path: str, count: int, *, first: int = 0, concurrency: int = 4
) -> LoadResult:
    """Send ``count`` GETs of ``path``; ``{i}`` becomes the request number, from ``first``."""
    result = LoadResult()
    numbers = iter(range(first, first + count))
    await asyncio.gather(*(_connection(port, path, numbers, result) for _ in range(concurrency)))
    return result


async def _connection(port: int, path: str, numbers: Iterator[int], result: LoadResult) -> None:
    """One client's keep-alive connection, reopened whenever the server closes it.

    Servers end a connection after so many requests (hypercorn: 1,000) with ``Connection:
    close``; a client following HTTP/1.1 opens a new one, which is not a failed request.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for i in numbers:
            if not await _one(reader, writer, path.format(i=i), result):
                writer.close()
                await writer.wait_closed()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()
        await writer.wait_closed()


async def _one(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, result: LoadResult
) -> bool:
    """One request; whether the connection stays open for the next."""
    started = time.perf_counter()
    writer.write(f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
    try:
        status, headers = await _read_head(reader)
        await reader.readexactly(int(headers.get("content-length", "0")))
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        result.failures.append(f"{path}: {exc!r}")
        raise
    if 200 <= status < 300:
        result.latencies.append(time.perf_counter() - started)
    else:
        result.failures.append(f"{path}: HTTP {status}")
    return headers.get("connection", "").lower() != "close"


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    headers = {k.lower(): v.strip() for k, v in (h.split(":", 1) for h in head[1:] if ":" in h)}
    return status, headers
