"""What kind of process the launcher is configuring, and when it becomes a supervisor.

``opentelemetry-instrument`` puts its hook on ``PYTHONPATH``, so every Python process the
service starts configures telemetry again. At start-up a process is one of:

- a helper of multiprocessing (the resource tracker, the fork server): it runs no application
  code and is left unconfigured. Python starts these with a ``-c`` program of its own that
  names the helper's module; that program text is the only mark such a process has;
- a worker of a supervisor that serves ``/metrics`` for it: the supervisor said so in the
  environment it started the worker with, and is the worker's parent (the process tree);
- otherwise the service itself, which serves its own ``/metrics``.

Whether a hypercorn process supervises workers is not guessed from its command line (options
come as ``-w0``, ``--workers=2``, a TOML or Python ``--config`` file, ...): hypercorn's own
parsed :class:`hypercorn.config.Config` says it, when its ``run()`` is called, before any
worker starts. :func:`when_hypercorn_supervises` waits for that moment.
"""

from __future__ import annotations

import enum
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import wrapt

from huleedu_otel._setup.prometheus.supervisor import supervisor_of_this_process

_log = logging.getLogger(__name__)


class ProcessRole(enum.Enum):
    SERVICE = "service"
    WORKER = "worker"
    HELPER = "helper"


_HELPER_MODULES = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")


def process_role(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    parent_pid: int | None = None,
) -> ProcessRole:
    """This process's role at start-up (the arguments are for tests)."""
    program = _c_program(sys.orig_argv if argv is None else argv)
    if any(module in program for module in _HELPER_MODULES):
        return ProcessRole.HELPER
    if supervisor_of_this_process(environ, parent_pid) is not None:
        return ProcessRole.WORKER
    return ProcessRole.SERVICE


def _c_program(argv: Sequence[str]) -> str:
    """The text after the interpreter's ``-c``; empty for scripts and modules."""
    args = iter(argv[1:])
    for arg in args:
        if arg == "-c":
            return next(args, "")
        if arg in {"-X", "-W"}:
            next(args, None)  # the option's value
        elif arg == "-m" or not arg.startswith("-"):
            return ""
    return ""


def when_hypercorn_supervises(callback: Callable[[], None]) -> None:
    """Call ``callback`` when hypercorn's ``run()`` is about to start one or more workers."""

    def run(wrapped: Any, _instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        config = args[0] if args else kwargs.get("config")
        if getattr(config, "workers", 0) > 0:
            try:
                callback()
            except Exception:
                _log.exception("Serving the workers' metrics could not be set up")
        return wrapped(*args, **kwargs)

    def patch(module: Any) -> None:
        wrapt.wrap_function_wrapper(module, "run", run)

    wrapt.register_post_import_hook(patch, "hypercorn.run")
