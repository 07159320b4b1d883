"""End to end: what a service pays for its telemetry, under a real load generator.

The service (``benchmarks/_service_app.py``: one route, a PostgreSQL query through SQLAlchemy
async, a Redis GET, a JSON answer) runs under hypercorn with one worker, loaded by ``wrk -t1
-c8`` on loopback, in several variants: bare, ours under ``opentelemetry-instrument`` with the
launcher's defaults and with each pipeline off in turn, and upstream (the stock distro and
configurator, contrib's ASGI middleware, sqlalchemy and redis instrumentors). Every variant
exports to one OTLP sink in another process that acknowledges without decoding. All servers
stay up for the whole run; each round loads every variant once, in a rotated order, and the
report gives the medians over rounds.

Knobs (environment): ``BENCH_SERVICE_ROUNDS`` (default 5), ``BENCH_SERVICE_SECONDS`` per load
(default 8), ``BENCH_SERVICE_VARIANTS`` (comma-separated keys, default all),
``BENCH_SERVICE_PROFILE=DIR`` (py-spy records each worker during round one into DIR),
``BENCH_SERVICE_BASELINE=REF`` (adds ``ours@REF``: launcher defaults running the library code of
git ref REF, for before/after figures of a change in one run),
``BENCH_SERVICE_EXTRA='{"key": {"VAR": "value"}}'`` (more variants: launcher defaults plus VARs).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

import redis
from benchmarks._harness import Scenario
from benchmarks._load import Load, ensure_wrk, run_wrk
from benchmarks._servers import Server, Variant, checkout, otlp_sink

POSTGRES_DSN = os.environ.get(
    "HULEEDU_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("HULEEDU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROWS = 100
_OURS = {
    "OTEL_PYTHON_DISTRO": "huleedu_distro",
    "OTEL_PYTHON_CONFIGURATOR": "huleedu_configurator",
}
# What upstream's users get: the stock distro (OTLP for traces, metrics and logs), contrib's
# sqlalchemy and redis instrumentors, its ASGI middleware by hand; ours and the contrib ones
# that would add a second span (asyncpg) or are unused here stay off.
_UPSTREAM = {
    "OTEL_PYTHON_DISTRO": "distro",
    "OTEL_PYTHON_CONFIGURATOR": "configurator",
    "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "huleedu_quart,huleedu_sqlalchemy,huleedu_aiokafka,"
    "huleedu_redis,huleedu_structlog,asyncpg,aiokafka,structlog",
    "OTEL_PYTHON_LOGGING_AUTO_INSTRUMENTATION_ENABLED": "true",
    "BENCH_SERVICE_ASGI_MIDDLEWARE": "1",
}


BARE = Variant("bare", "bare hypercorn", None)
OURS = Variant("ours", "ours, launcher defaults (OTLP x3 + /metrics)", _OURS)
UPSTREAM = Variant("upstream", "upstream distro + contrib", _UPSTREAM)
VARIANTS = [
    BARE,
    OURS,
    *(
        Variant(key, f"ours, {name}={value}", {**_OURS, name: value})
        for key, name, value in [
            ("no-traces", "OTEL_TRACES_EXPORTER", "none"),
            ("no-prom", "OTEL_METRICS_EXPORTER", "otlp"),
            ("no-metrics", "OTEL_METRICS_EXPORTER", "none"),
            ("no-logs", "OTEL_LOGS_EXPORTER", "none"),
        ]
    ),
    UPSTREAM,
]


@dataclass
class Figures:
    loads: list[Load] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(load, attribute) for load in self.loads)

    def spread(self, attribute: str, scale: float) -> str:
        values = [getattr(load, attribute) * scale for load in self.loads]
        return f"{min(values):.0f}-{max(values):.0f}"


@contextmanager
def _fixtures() -> Iterator[dict[str, str]]:
    """A table of essays and their grades in Redis, unique to this run, removed afterwards."""
    table, prefix = f"bench_service_{uuid.uuid4().hex[:12]}", f"bench:service:{uuid.uuid4().hex}"
    asyncio.run(_sql(f"CREATE TABLE {table} (id int PRIMARY KEY, title text, status text);"
                     f"INSERT INTO {table} SELECT n, 'essay ' || n, 'graded' "
                     f"FROM generate_series(1, {ROWS}) AS n"))  # fmt: skip
    client = redis.Redis.from_url(REDIS_URL)
    client.mset({f"{prefix}:{n}": "B+" for n in range(1, ROWS + 1)})
    try:
        yield {"BENCH_SERVICE_TABLE": table, "BENCH_SERVICE_PREFIX": prefix}
    finally:
        client.delete(*(f"{prefix}:{n}" for n in range(1, ROWS + 1)))
        client.close()
        asyncio.run(_sql(f"DROP TABLE IF EXISTS {table}"))


async def _sql(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_DSN)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _chosen(baseline: Path | None) -> list[Variant]:
    keys = [k for k in os.environ.get("BENCH_SERVICE_VARIANTS", "").split(",") if k]
    chosen = [v for v in VARIANTS if not keys or v.key in keys] or list(VARIANTS)
    extra = json.loads(os.environ.get("BENCH_SERVICE_EXTRA") or "{}")
    chosen += [Variant(k, f"ours, {_shown(env)}", {**_OURS, **env}) for k, env in extra.items()]
    if baseline is not None:
        ref = os.environ["BENCH_SERVICE_BASELINE"]
        before = Variant(f"ours@{ref}", f"ours@{ref}, launcher defaults", _OURS, baseline)
        chosen.insert(chosen.index(OURS) + 1 if OURS in chosen else 1, before)
    return chosen


def _shown(env: dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in env.items())


def _measure(smoke: bool) -> dict[Variant, Figures]:
    rounds = 1 if smoke else int(os.environ.get("BENCH_SERVICE_ROUNDS", "5"))
    seconds = 1.0 if smoke else float(os.environ.get("BENCH_SERVICE_SECONDS", "8"))
    profile = None if smoke else os.environ.get("BENCH_SERVICE_PROFILE")
    wrk = ensure_wrk()
    with ExitStack() as stack:
        ref = os.environ.get("BENCH_SERVICE_BASELINE")
        variants = _chosen(stack.enter_context(checkout(ref)) if ref and not smoke else None)
        data, sink = stack.enter_context(_fixtures()), stack.enter_context(otlp_sink())
        figures = {v: Figures() for v in variants}
        servers = stack.enter_context(Server.many(variants, data, sink))
        for server in servers:
            run_wrk(wrk, server.url, server.pgid, 1.0 if smoke else 3.0)  # warm-up
        for n in range(rounds):
            for server in servers[n % len(servers) :] + servers[: n % len(servers)]:
                with server.profiled(profile if n == 0 else None, seconds):
                    load = run_wrk(wrk, server.url, server.pgid, seconds)
                figures[server.variant].loads.append(load)
                print(f"   round {n + 1}: {server.variant.key:<11}{_line(load)}", file=sys.stderr)
    return figures


def _line(load: Load) -> str:
    return (
        f"{load.rate:8.0f} req/s  p50 {load.p50 * 1e3:6.1f} ms  p99 {load.p99 * 1e3:6.1f} ms  "
        f"CPU {load.cpu_per_request * 1e6:6.0f} µs/req  errors {load.errors}"
    )


def _report(figures: dict[Variant, Figures], smoke: bool) -> str:
    bare, upstream = figures.get(BARE), figures.get(UPSTREAM)
    rounds = len(next(iter(figures.values())).loads)
    lines = [
        f"== service: one hypercorn worker, wrk -t1 -c8, GET /essays/<id> (PostgreSQL query + "
        f"Redis GET + JSON); medians of {rounds} round(s), per-round range in brackets"
        + (" [SMOKE: not figures to quote]" if smoke else ""),
        f"   {'variant':<46}{'req/s':>16}{'x bare':>8}{'x upstr':>8}{'p50 ms':>8}"
        f"{'p99 ms':>8}{'p99 x bare':>11}{'CPU µs/req':>18}",
    ]
    for variant, f in figures.items():
        rate, p99 = f.median("rate"), f.median("p99")
        lines.append(
            f"   {variant.label:<46}{rate:>6.0f} [{f.spread('rate', 1):>8}]"
            f"{_ratio(rate, bare, 'rate'):>8}{_ratio(rate, upstream, 'rate'):>8}"
            f"{f.median('p50') * 1e3:>8.1f}{p99 * 1e3:>8.1f}{_ratio(p99, bare, 'p99'):>11}"
            f"{f.median('cpu_per_request') * 1e6:>6.0f} [{f.spread('cpu_per_request', 1e6):>10}]"
        )
    if sum(load.errors for f in figures.values() for load in f.loads):
        lines.append("   WARNING: some requests failed (non-2xx or socket errors); see stderr")
    lines.append(
        "   goal: ours (launcher defaults) >= 0.8x bare throughput (acceptance 0.7x), "
        "p99 <= 1.5x bare, >= 1.6x upstream's throughput"
    )
    if bare and upstream and OURS in figures:
        lines.append(f"   result: {_verdict(figures[OURS], bare, upstream)}")
        capacity = _capacity(figures[OURS], bare, upstream)
        lines.append(f"   by CPU per request (steadier on a shared machine): {capacity}")
    return "\n".join(lines)


def _ratio(value: float, base: Figures | None, attribute: str) -> str:
    return f"{value / base.median(attribute):.2f}" if base else "-"


def _verdict(ours: Figures, bare: Figures, upstream: Figures) -> str:
    throughput = ours.median("rate") / bare.median("rate")
    tail = ours.median("p99") / bare.median("p99")
    versus = ours.median("rate") / upstream.median("rate")
    met = throughput >= 0.8 and tail <= 1.5 and versus >= 1.6
    accepted = throughput >= 0.7 and tail <= 1.5 and versus >= 1.6
    verdict = "MET" if met else "ACCEPTED (>= 0.7x)" if accepted else "NOT MET"
    return (
        f"{verdict}: {throughput:.2f}x bare throughput, p99 {tail:.2f}x bare, "
        f"{versus:.2f}x upstream's throughput"
    )


def _capacity(ours: Figures, bare: Figures, upstream: Figures) -> str:
    cpu = ours.median("cpu_per_request")
    return (
        f"ours has {bare.median('cpu_per_request') / cpu:.2f}x bare's capacity and "
        f"{upstream.median('cpu_per_request') / cpu:.2f}x upstream's"
    )


def run(smoke: bool) -> str:
    before = os.getloadavg()[0]
    report = _report(_measure(smoke), smoke)
    # A busy machine inflates CPU time per request too: say how busy it was.
    return (
        f"{report}\n   load average: {before:.1f} before, {os.getloadavg()[0]:.1f} after (2 cores)"
    )


BENCHMARKS = [Scenario("e2e_service", run)]
