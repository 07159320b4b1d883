"""Each package's public surface is exactly its curated, sorted ``__all__``."""

from __future__ import annotations

import importlib

import pytest

PUBLIC_MODULES = [
    "huleedu_service_libs",
    "huleedu_service_libs.logging_utils",
    "huleedu_service_libs.observability",
    "huleedu_otel",
    "huleedu_otel.distro",
    "huleedu_service_libs.resilience",
    "huleedu_service_libs.idempotency",
    "huleedu_service_libs.events",
    "huleedu_service_libs.database",
    "huleedu_service_libs.outbox",
    "huleedu_service_libs.kafka",
]
#: Instrumentor packages import their wrapper factories into ``__init__`` for ``_instrument``
#: (the contrib layout); only their ``__all__`` is checked.
INSTRUMENTOR_PACKAGES = [
    "huleedu_otel.aiokafka",
    "huleedu_otel.quart",
    "huleedu_otel.redis",
    "huleedu_otel.sqlalchemy",
    "huleedu_otel.structlog",
]


@pytest.mark.parametrize("module_name", PUBLIC_MODULES + INSTRUMENTOR_PACKAGES)
def test_all_is_sorted_and_every_name_resolves(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = list(module.__all__)
    assert exported == sorted(exported)
    assert [n for n in exported if not hasattr(module, n)] == []


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_no_public_name_is_left_out_of_all(module_name: str) -> None:
    """A public-looking name that is not in ``__all__`` is either a leak or a missing export."""
    module = importlib.import_module(module_name)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and getattr(value, "__module__", module_name).startswith(module_name.split(".")[0])
        and not isinstance(value, type(importlib))
    }
    assert public - set(module.__all__) == set()
