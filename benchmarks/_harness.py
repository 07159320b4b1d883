"""The benchmark harness: variants measured in one run, printed as per-op times and ratios.

A :class:`Benchmark` has variants, each with a role: ``bare`` (the code path without us), ``ours``
and ``peer`` (upstream or another library). A variant's ``setup`` is an async context manager
that yields the operation to time, sync or async, so every variant gets its own fresh state.
The report gives each variant's time per op, its ratio to bare, and its overhead over bare
relative to ours, which is what the goals in the issues are stated in.

A :class:`Scenario` is a benchmark that runs and reports by itself (a load test across
processes). ``--smoke`` asks every benchmark for a short run that only proves it works.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Literal

Op = Callable[[], object] | Callable[[], Awaitable[object]]
Role = Literal["bare", "ours", "peer"]


@dataclass(frozen=True)
class Variant:
    label: str
    role: Role
    setup: Callable[[], AbstractAsyncContextManager[Op]]


@dataclass
class Benchmark:
    name: str
    what: str
    variants: list[Variant]
    number: int = 2_000
    repeat: int = 7
    goal: str = ""
    #: Called with {label: seconds per op}; returns a verdict line (never raises, never fails CI).
    judge: Callable[[dict[str, float]], str] | None = None
    #: ``time.process_time`` measures this process's CPU per op: what an op costs its caller,
    #: without the waits (a broker's round trip) whose jitter would drown a small overhead.
    clock: Callable[[], float] = time.perf_counter
    #: Alternate the variants round by round (all set up at once), for ratios near 1 that the
    #: machine's drift between one variant's rounds and the next's would otherwise swamp.
    interleave: bool = False


@dataclass(frozen=True)
class Scenario:
    name: str
    #: Runs the whole scenario (briefly when ``smoke``) and returns its printed report.
    run: Callable[[bool], str]


@dataclass
class Result:
    benchmark: Benchmark
    per_op: dict[str, float] = field(default_factory=dict)


def constant(op: Op) -> Callable[[], AbstractAsyncContextManager[Op]]:
    """A setup for an operation that needs no preparation."""

    @asynccontextmanager
    async def setup() -> AsyncIterator[Op]:
        yield op

    return setup


async def _time(op: Op, number: int, clock: Callable[[], float]) -> float:
    if inspect.iscoroutinefunction(op):
        start = clock()
        for _ in range(number):
            await op()
        return clock() - start
    start = clock()
    for _ in range(number):
        op()
    return clock() - start


async def _measure(
    variant: Variant, number: int, repeat: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    async with variant.setup() as op:
        await _time(op, max(1, number // 10), clock)  # warm up caches and lazy paths
        gc.collect()
        runs = [await _time(op, number, clock) / number for _ in range(repeat)]
    return statistics.median(runs)


async def _measure_interleaved(benchmark: Benchmark, number: int, repeat: int) -> dict[str, float]:
    clock = benchmark.clock
    async with AsyncExitStack() as stack:
        ops = {v.label: await stack.enter_async_context(v.setup()) for v in benchmark.variants}
        for op in ops.values():
            await _time(op, max(1, number // 10), clock)
        gc.collect()
        runs: dict[str, list[float]] = {label: [] for label in ops}
        for _ in range(repeat):
            for label, op in ops.items():
                runs[label].append(await _time(op, number, clock) / number)
    return {label: statistics.median(times) for label, times in runs.items()}


async def run(benchmark: Benchmark, smoke: bool = False) -> Result:
    result = Result(benchmark)
    number, repeat = (
        (max(1, benchmark.number // 20), 1) if smoke else (benchmark.number, benchmark.repeat)
    )
    if benchmark.interleave:
        result.per_op.update(await _measure_interleaved(benchmark, number, repeat))
        return result
    for variant in benchmark.variants:
        result.per_op[variant.label] = await _measure(variant, number, repeat, benchmark.clock)
    return result


def report(result: Result) -> str:
    b = result.benchmark
    roles = {v.label: v.role for v in b.variants}
    bare = next((result.per_op[v.label] for v in b.variants if v.role == "bare"), None)
    ours = next((result.per_op[v.label] for v in b.variants if v.role == "ours"), None)
    ours_overhead = ours - bare if ours is not None and bare is not None else None
    unit = "CPU µs/op" if b.clock is time.process_time else "µs/op"
    lines = [
        f"== {b.name}: {b.what}",
        f"   {'variant':<44}{unit:>10}{'x bare':>9}{'overhead µs':>13}{'overhead x ours':>17}",
    ]
    for label, seconds in result.per_op.items():
        times_bare = f"{seconds / bare:.2f}" if bare else "-"
        overhead = seconds - bare if bare is not None and roles[label] != "bare" else None
        over_ours = (
            f"{overhead / ours_overhead:.2f}"
            if overhead is not None and ours_overhead and ours_overhead > 0
            else "-"
        )
        lines.append(
            f"   {label:<44}{seconds * 1e6:>10.2f}{times_bare:>9}"
            f"{(f'{overhead * 1e6:.2f}' if overhead is not None else '-'):>13}{over_ours:>17}"
        )
    if b.goal:
        lines.append(f"   goal: {b.goal}")
    if b.judge is not None:
        lines.append(f"   result: {b.judge(result.per_op)}")
    return "\n".join(lines)


def run_all(benchmarks: list[Benchmark | Scenario], smoke: bool = False) -> None:
    for benchmark in benchmarks:
        if isinstance(benchmark, Scenario):
            print(benchmark.run(smoke), flush=True)
        else:
            print(report(asyncio.run(run(benchmark, smoke))), flush=True)
        print(flush=True)
