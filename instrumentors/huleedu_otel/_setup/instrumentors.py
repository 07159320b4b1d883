"""Discover and load instrumentors through the ``opentelemetry_instrumentor`` entry points.

Our own carry the ``huleedu_`` prefix. The contrib instrumentors that overlap them stay off
unless the user opts in (``HULEEDU_OTEL_CONTRIB_OPT_IN``), so nothing is instrumented twice.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from importlib.metadata import EntryPoint, entry_points

_log = logging.getLogger(__name__)

GROUP = "opentelemetry_instrumentor"
OUR_PREFIX = "huleedu_"
#: Contrib instrumentors the configurator drives itself, with our settings.
MANAGED_BY_CONFIGURATOR = frozenset({"logging", "system_metrics"})


def disabled_names() -> frozenset[str]:
    raw = os.environ.get("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", "")
    return frozenset(n.strip() for n in raw.split(",") if n.strip())


def ours() -> Iterator[EntryPoint]:
    """Our instrumentors' entry points, minus the ones the user disabled."""
    disabled = disabled_names()
    for entry_point in entry_points(group=GROUP):
        if entry_point.name.startswith(OUR_PREFIX) and entry_point.name not in disabled:
            yield entry_point


def load(entry_point: EntryPoint, **kwargs: object) -> bool:
    """Instrument one library; a broken or missing library is logged, never raised."""
    try:
        entry_point.load()().instrument(**kwargs)
    except ModuleNotFoundError as exc:
        _log.debug("Not instrumenting %s: %s", entry_point.name, exc.msg)
        return False
    except Exception:
        _log.exception("Instrumenting %s failed; the service runs without it", entry_point.name)
        return False
    return True


def load_ours() -> list[str]:
    return [ep.name for ep in ours() if load(ep)]
