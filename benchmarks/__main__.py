"""``python -m benchmarks [name ...]``: run every ``bench_*`` module's ``BENCHMARKS``."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from benchmarks._harness import Benchmark, run_all


def discover() -> list[Benchmark]:
    found: list[Benchmark] = []
    for module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if module.name.startswith("bench_"):
            found.extend(importlib.import_module(f"benchmarks.{module.name}").BENCHMARKS)
    return found


def main(names: list[str]) -> None:
    chosen = [b for b in discover() if not names or any(n in b.name for n in names)]
    if not chosen:
        sys.exit(f"no benchmark matches {names}")
    run_all(chosen)


if __name__ == "__main__":
    main(sys.argv[1:])
