"""The boundary rule (ARCHITECTURE.md): the library speaks the OpenTelemetry API only.

Nothing under ``src/huleedu_service_libs`` may import the SDK, an exporter, prometheus_client,
wrapt or huleedu_otel when it is imported. Imports inside functions (the lazy hand-over to
``huleedu_otel``) and under ``TYPE_CHECKING`` are allowed.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import huleedu_service_libs

FORBIDDEN = (
    "opentelemetry.sdk",
    "opentelemetry.exporter",
    "prometheus_client",
    "wrapt",
    "huleedu_otel",
)
SRC = Path(huleedu_service_libs.__file__).parent


def _forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)


def _module_level_imports(tree: ast.Module) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.extend((node.lineno, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((node.lineno, node.module))
            elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
            elif isinstance(node, ast.ClassDef):
                visit(node.body)

    visit(tree.body)
    return found


def test_no_module_imports_past_the_api_at_module_level() -> None:
    """Read every source file: module-level imports stay on the API side."""
    offenders = [
        f"{path.relative_to(SRC.parent)}:{line} imports {name}"
        for path in sorted(SRC.rglob("*.py"))
        for line, name in _module_level_imports(ast.parse(path.read_text(), str(path)))
        if _forbidden(name)
    ]
    assert offenders == []


#: Vendors whose own import loads part of the SDK (redis-py 8 imports ``opentelemetry.sdk``
#: for its optional metrics); what they load is theirs, not ours, and is subtracted.
VENDORS_LOADING_THE_SDK = ["redis"]


def test_importing_every_module_loads_nothing_past_the_api() -> None:
    """Import the whole library in a fresh interpreter: no SDK, exporter or wrapt arrives
    beyond what the vendors listed above load on their own."""
    names = [m.name for m in pkgutil.walk_packages([str(SRC)], "huleedu_service_libs.")]
    code = (
        "import importlib, json, sys\n"
        f"for name in {VENDORS_LOADING_THE_SDK!r}: importlib.import_module(name)\n"
        "vendors = set(sys.modules)\n"
        f"for name in {names!r} + ['huleedu_service_libs']: importlib.import_module(name)\n"
        "print(json.dumps(sorted(set(sys.modules) - vendors)))\n"
    )
    loaded = json.loads(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
    )
    assert [m for m in loaded if _forbidden(m)] == []
