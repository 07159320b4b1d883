"""``python -m benchmarks [--smoke] [name ...]``: run every ``bench_*`` module's ``BENCHMARKS``.

``--smoke`` runs each one briefly: proof that it works, not figures to quote.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from benchmarks._harness import Benchmark, Scenario, run_all


def discover() -> list[Benchmark | Scenario]:
    found: list[Benchmark | Scenario] = []
    for module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if module.name.startswith("bench_"):
            found.extend(importlib.import_module(f"benchmarks.{module.name}").BENCHMARKS)
    return found


def main(args: list[str]) -> None:
    names = [a for a in args if a != "--smoke"]
    chosen = [b for b in discover() if not names or any(n in b.name for n in names)]
    if not chosen:
        sys.exit(f"no benchmark matches {names}")
    run_all(chosen, smoke="--smoke" in args)


if __name__ == "__main__":
    main(sys.argv[1:])
