"""Every test here configures logging afresh and leaves the process as it found it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import structlog

from huleedu_otel.structlog import StructlogInstrumentor


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Undo configure_service_logging; handlers others added meanwhile (OTel's) stay."""
    root = logging.getLogger()
    level = root.level
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    for handler in list(root.handlers):
        if isinstance(handler.formatter, structlog.stdlib.ProcessorFormatter):
            root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def structlog_export() -> Iterator[None]:
    """The ``huleedu_structlog`` instrumentor switched on, as the distro does."""
    instrumentor = StructlogInstrumentor()
    instrumentor.instrument()
    yield
    instrumentor.uninstrument()
