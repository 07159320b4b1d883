"""Package ``__init__`` modules that name their exports but import them on first use (PEP 562).

Importing ``huleedu_service_libs.errors`` used to import the whole library (Quart, SQLAlchemy,
aiokafka, redis, ...) through the package ``__init__``; a service's test session paid the same
for the pytest plugin. With :func:`lazy_exports` a package lists where each name lives, and the
name's module is imported when the name is first read; ``from pkg import name``,
``pkg.name``, ``dir(pkg)`` and ``__all__`` work as before. Each package keeps a
``TYPE_CHECKING`` block with the same imports for type checkers and IDEs (a test keeps the two
in step).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, modules: Mapping[str, tuple[str, ...]]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``: ``modules`` maps a module (relative,
    like ``".errors"``) to the names it provides."""
    namespace = sys.modules[package].__dict__
    home = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> object:
        module = home.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value  # later reads are plain attribute lookups
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *home})

    return __getattr__, __dir__
