"""What ``opentelemetry-instrument`` loads: our Distro and Configurator.

The launcher calls them in this order: ``HuleEduDistro.configure()``, then
``HuleEduConfigurator.configure()`` (providers, exporters, ``/metrics``), then
``HuleEduDistro.load_instrumentor()`` for every installed instrumentor, then the
``opentelemetry_post_instrument`` hook :func:`report_startup`, which logs what was set up.
"""

from __future__ import annotations

import logging
import os
from typing import Any

# Upstream marks distro.py "# type: ignore", so mypy sees none of its (public) names.
from opentelemetry.instrumentation.distro import BaseDistro  # type: ignore[attr-defined]
from opentelemetry.sdk._configuration import _BaseConfigurator

from huleedu_otel._setup import configure as _configure
from huleedu_otel._setup import instrumentors as _instrumentors
from huleedu_otel._setup import process_role as _process_role
from huleedu_otel._setup import settings as settings_module
from huleedu_otel._setup import startup as _startup
from huleedu_otel._setup.process_role import ProcessRole as _ProcessRole

__all__ = ["HuleEduConfigurator", "HuleEduDistro", "report_startup"]

_log = logging.getLogger(__name__)
_loaded: list[str] = []


class HuleEduDistro(BaseDistro):  # type: ignore[misc]
    """Loads every instrumentor except contrib ones that would duplicate ours."""

    def _configure(self, **kwargs: Any) -> None:
        """Keep overlapping contrib instrumentors from even being considered by the launcher.

        The launcher checks each instrumentor's dependencies before asking us to load it, and
        logs a conflict for every mismatch; disabling ours-covered ones up front avoids that.
        """
        settings = _settings()
        skip = [n for n in settings_module.OVERLAPPING_CONTRIB if not settings.contrib_allowed(n)]
        skip += sorted(_instrumentors.MANAGED_BY_CONFIGURATOR)
        current = os.environ.get("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", "")
        names = [n for n in current.split(",") if n.strip()] + sorted(skip)
        os.environ["OTEL_PYTHON_DISABLED_INSTRUMENTATIONS"] = ",".join(dict.fromkeys(names))

    def load_instrumentor(self, entry_point: Any, **kwargs: Any) -> None:
        name = entry_point.name
        if name in _instrumentors.MANAGED_BY_CONFIGURATOR or _role() is _ProcessRole.HELPER:
            return
        if not _settings().contrib_allowed(name):
            _log.info(
                "Not loading contrib instrumentor %r: HuleEdu's own covers it "
                "(set %s=%s to load it as well)",
                name,
                settings_module.CONTRIB_OPT_IN_VAR,
                name,
            )
            return
        if _instrumentors.load(entry_point, **kwargs):
            _loaded.append(name)


class HuleEduConfigurator(_BaseConfigurator):
    """Sets up traces, metrics and logs from the environment, with HuleEdu's defaults."""

    def _configure(self, **kwargs: Any) -> None:
        role = _role()
        if role is _ProcessRole.HELPER:
            return
        _configure._configure(_settings(), load_instrumentors=False)  # registers the exit flush


def report_startup() -> None:
    """Post-instrument hook: the one line that says what the launcher configured."""
    handle = _configure.active()
    if handle is not None and handle.enabled:
        _startup.report(handle.describe(also_loaded=_loaded))


def _role() -> _ProcessRole:
    return _process_role.process_role()


def _settings() -> settings_module.TelemetrySettings:
    active = _configure.active()
    return active.settings if active is not None else settings_module.TelemetrySettings.from_env()
