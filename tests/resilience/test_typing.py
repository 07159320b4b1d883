"""mypy --strict sees through ``call``, ``@circuit_breaker`` and ``make_resilient``.

``make typecheck`` covers the packages only, so this test runs mypy (its API, in-process) over
two files: typed use that must pass, and misuse whose every marked line must be an error.
"""

from __future__ import annotations

import re
from pathlib import Path

from mypy import api

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
ERROR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: .*\[(?P<code>[a-z-]+)\]$")


def _expected(path: Path) -> set[tuple[str, int, str]]:
    return {
        (path.name, number, line.split("# expect: ")[1].strip())
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "# expect: " in line
    }


def _reported(stdout: str) -> set[tuple[str, int, str]]:
    found = (ERROR.match(line) for line in stdout.splitlines())
    return {(Path(m["file"]).name, int(m["line"]), m["code"]) for m in found if m}


def test_typed_use_passes_and_each_misuse_is_an_error() -> None:
    """No error in the typed-use file; exactly the marked errors in the misuse file."""
    files = [HERE / "_typed_usage.py", HERE / "_typed_misuse.py"]
    stdout, _, _ = api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--no-error-summary", *map(str, files)]
    )
    assert _reported(stdout) == _expected(files[1]), stdout
