"""What kind of process the launcher is configuring, read from its command line.

``opentelemetry-instrument`` puts its hook on ``PYTHONPATH``, so every Python process the
service starts configures telemetry again. Two kinds must not act like the service:

- multiprocessing's helpers (the resource tracker, the fork server) run no application code;
  they are left unconfigured;
- a server's supervisor (hypercorn without ``--workers 0`` spawns its workers and only watches
  them) must leave the ``/metrics`` port to the worker that serves requests; it still exports
  its own telemetry over OTLP.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Sequence


class ProcessRole(enum.Enum):
    SERVICE = "service"
    SUPERVISOR = "supervisor"
    HELPER = "helper"


_HELPER_MODULES = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")
_SUPERVISORS = frozenset({"hypercorn"})


def process_role(argv: Sequence[str]) -> ProcessRole:
    """The role of the process started with ``argv`` (``sys.orig_argv``)."""
    if any(module in arg for arg in argv for module in _HELPER_MODULES):
        return ProcessRole.HELPER
    program = _program(argv)
    if program in _SUPERVISORS and _workers(argv) != 0:
        return ProcessRole.SUPERVISOR
    return ProcessRole.SERVICE


def _program(argv: Sequence[str]) -> str:
    """``hypercorn`` for both ``bin/hypercorn ...`` and ``python -m hypercorn ...``."""
    for i, arg in enumerate(argv[:-1]):
        if arg == "-m":
            return argv[i + 1]
    return os.path.basename(argv[1]) if len(argv) > 1 else ""


def _workers(argv: Sequence[str]) -> int:
    """hypercorn's ``-w``/``--workers`` value; its default is 1 (a spawned worker)."""
    for i, arg in enumerate(argv):
        if arg.startswith("--workers="):
            return _int(arg.split("=", 1)[1])
        if arg in {"-w", "--workers"} and i + 1 < len(argv):
            return _int(argv[i + 1])
    return 1


def _int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        return 1
