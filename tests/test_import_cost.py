"""Importing one module costs only what that module needs; these counts cannot creep back.

Each count is the growth of ``sys.modules`` in a fresh interpreter (deterministic, unlike a
time). Before the package ``__init`` modules resolved their names lazily, the first two were
about 1,000 and the plugin about 950 beyond pytest's own.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

#: (what is imported first and not counted, the statement measured, the most modules it may add)
BUDGETS = [
    ("", "import huleedu_service_libs.errors", 60),
    ("", "import huleedu_service_libs", 150),
    # a pydantic model alone adds ~183 modules; the error model, codes and factories ~20 more
    ("", "import huleedu_service_libs.error_handling", 215),
    ("import pytest", "import huleedu_otel.testing.pytest_plugin", 150),
]


def _modules_added(setup: str, statement: str) -> list[str]:
    code = (
        f"import sys\n{setup}\nbefore = set(sys.modules)\n{statement}\n"
        "print('\\n'.join(sorted(set(sys.modules) - before)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.split()


@pytest.mark.parametrize(("setup", "statement", "budget"), BUDGETS)
def test_an_import_stays_within_its_module_budget(setup: str, statement: str, budget: int) -> None:
    added = _modules_added(setup, statement)

    heavy = sorted(
        {name.split(".")[0] for name in added} & {"opentelemetry", "sqlalchemy", "quart"}
    )
    assert (len(added) <= budget, heavy) == (True, []), f"{len(added)} modules: {added}"


def test_a_name_from_the_package_still_imports_its_module() -> None:
    """Lazy, not missing: the first read of a name imports the module that defines it."""
    added = _modules_added("", "from huleedu_service_libs import KafkaBus")

    assert "huleedu_service_libs.kafka_client" in added
