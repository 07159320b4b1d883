"""Structured logging for services: structlog, rendered as JSON in production, console in dev.

Every event, structlog's or a library's stdlib ``logging`` record, goes through one stdlib root
handler whose :class:`structlog.stdlib.ProcessorFormatter` renders it, so both look the same and
both carry the service, environment, correlation id and (inside a span) ``trace_id``/``span_id``.
Secrets are masked in the processor chain, before anything renders. Export as OTel log records is
the telemetry side's job: the OTel handler on the root logger sees each record once (see
``huleedu_otel.structlog``).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any, Protocol

import structlog
from structlog.typing import Processor

from huleedu_service_libs import _log_processors as _steps
from huleedu_service_libs._log_processors import add_trace_context, redact_secrets

__all__ = [
    "add_trace_context",
    "configure_service_logging",
    "create_service_logger",
    "log_event_processing",
    "redact_secrets",
]

#: Environments that get the human-readable console renderer; every other one gets JSON.
_DEVELOPMENT_ENVIRONMENTS = frozenset({"development", "dev", "local"})
_HANDLER_NAME = "huleedu_service_logging"
_CALLSITE = structlog.processors.CallsiteParameterAdder(
    {
        structlog.processors.CallsiteParameter.FILENAME,
        structlog.processors.CallsiteParameter.FUNC_NAME,
        structlog.processors.CallsiteParameter.LINENO,
    }
)


class _EnvelopeLike(Protocol):
    """What :func:`log_event_processing` reads from an ``EventEnvelope``."""

    @property
    def event_id(self) -> object: ...
    @property
    def event_type(self) -> str: ...
    @property
    def source_service(self) -> str: ...
    @property
    def correlation_id(self) -> object: ...


def configure_service_logging(
    service_name: str,
    environment: str | None = None,
    log_level: str = "INFO",
) -> None:
    """Configure structlog and the stdlib root logger for this service; call once at startup.

    ``environment`` defaults to ``ENVIRONMENT`` (else ``development``). Calling it again replaces
    the previous configuration; handlers other than ours (the OTel bridge's) are left alone.
    """
    environment = environment or os.environ.get("ENVIRONMENT", "development")
    enrich = _enrichment(_steps.ServiceContext(service_name, environment))
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *enrich,
            _steps.hand_to_stdlib,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    _install_root_handler(_formatter(environment, enrich), log_level)


def _enrichment(service: _steps.ServiceContext) -> list[Processor]:
    """The steps every event takes before rendering, whether it came from structlog or stdlib."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _CALLSITE,
        service,
        add_trace_context,
        structlog.processors.StackInfoRenderer(),
        _steps.render_exception,
        redact_secrets,
    ]


def _formatter(environment: str, foreign_pre_chain: list[Processor]) -> logging.Formatter:
    final: list[Processor] = [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
        _steps.uppercase_level,
        _steps.rename_logger_key,
    ]
    if environment.lower() in _DEVELOPMENT_ENVIRONMENTS:
        final += [_steps.console_location, _console_renderer()]
    else:
        final += [
            structlog.processors.EventRenamer("message"),
            _steps.lead_with_seed_keys,
            structlog.processors.JSONRenderer(),
        ]
    return structlog.stdlib.ProcessorFormatter(
        processors=final, foreign_pre_chain=foreign_pre_chain
    )


def _console_renderer() -> structlog.dev.ConsoleRenderer:
    colors = sys.stdout.isatty()
    styles = structlog.dev.ConsoleRenderer.get_default_level_styles(colors)
    return structlog.dev.ConsoleRenderer(
        pad_event_to=0,
        colors=colors,
        level_styles={
            level.upper(): style
            for level, style in styles.items()
            if level not in _LEVELS_NEVER_RENDERED
        },
    )


# structlog renders ``exception``/``notset`` events as ``error``/``debug``; leaving them out of
# the styles keeps the level column as wide as the seed's ``[INFO    ]``.
_LEVELS_NEVER_RENDERED = frozenset({"exception", "notset"})


def _install_root_handler(formatter: logging.Formatter, log_level: str) -> None:
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.name == _HANDLER_NAME]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler.name = _HANDLER_NAME
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(log_level.upper())


def create_service_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    """A structlog logger named ``name`` (a stdlib logger underneath, so levels apply).

    Safe at import time, before :func:`configure_service_logging`: the configuration is read
    when the logger is first used.
    """
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger


def log_event_processing(
    logger: structlog.stdlib.BoundLogger,
    message: str,
    envelope: _EnvelopeLike,
    **additional_context: Any,
) -> None:
    """Log ``message`` at info with the envelope's identity (id, type, source, correlation id)."""
    logger.info(
        message,
        event_id=str(envelope.event_id),
        event_type=envelope.event_type,
        source_service=envelope.source_service,
        correlation_id=_optional_str(envelope.correlation_id),
        **additional_context,
    )


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)
