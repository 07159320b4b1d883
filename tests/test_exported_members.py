"""Each package's public surface is exactly its curated, sorted ``__all__``."""

from __future__ import annotations

import ast
import importlib
import inspect

import pytest

PUBLIC_MODULES = [
    "huleedu_service_libs",
    "huleedu_service_libs.logging_utils",
    "huleedu_service_libs.observability",
    "huleedu_otel",
    "huleedu_otel.distro",
    "huleedu_otel.testing",
    "huleedu_service_libs.resilience",
    "huleedu_service_libs.idempotency",
    "huleedu_service_libs.events",
    "huleedu_service_libs.database",
    "huleedu_service_libs.outbox",
    "huleedu_service_libs.kafka",
    "huleedu_service_libs.error_handling",
    "huleedu_service_libs.error_handling.factories",
    "huleedu_service_libs.error_handling.class_management_factories",
    "huleedu_service_libs.error_handling.file_validation_factories",
    "huleedu_service_libs.error_handling.spellchecker_factories",
    "huleedu_service_libs.error_handling.correlation",
    "huleedu_service_libs.error_handling.quart",
    "huleedu_service_libs.error_handling.fastapi",
    "huleedu_service_libs.error_handling.testing",
    "huleedu_service_libs.middleware.frameworks.quart_correlation_middleware",
    "huleedu_service_libs.config",
    "huleedu_service_libs.config.database_utils",
    "huleedu_service_libs.redis_set_operations",
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


#: Packages whose names are imported on first use; their ``TYPE_CHECKING`` block is what type
#: checkers see, so it must name the same objects the lazy table resolves.
LAZY_PACKAGES = [
    "huleedu_service_libs",
    "huleedu_otel",
    "huleedu_otel.testing",
    "huleedu_service_libs.outbox",
    "huleedu_service_libs.kafka",
]


def _type_checking_imports(module: object) -> dict[str, str]:
    """``{name: module}`` of the imports under ``if typing.TYPE_CHECKING:``."""
    tree = ast.parse(inspect.getsource(module))  # type: ignore[arg-type]
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "typing.TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom)
                found.update({alias.name: str(statement.module) for alias in statement.names})
    return found


@pytest.mark.parametrize("package_name", LAZY_PACKAGES)
def test_lazy_names_are_the_objects_the_type_checker_sees(package_name: str) -> None:
    package = importlib.import_module(package_name)
    declared = _type_checking_imports(package)

    assert sorted(declared) == list(package.__all__)
    mismatched = [
        name
        for name, module in declared.items()
        if getattr(package, name) is not getattr(importlib.import_module(module), name)
    ]
    assert mismatched == []


def test_an_unknown_name_is_an_attribute_error() -> None:
    import huleedu_service_libs

    with pytest.raises(AttributeError, match="no_such_name"):
        _ = huleedu_service_libs.no_such_name  # type: ignore[attr-defined]
    assert set(huleedu_service_libs.__all__) <= set(dir(huleedu_service_libs))
