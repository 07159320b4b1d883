"""The one builder every ``raise_*`` factory is made from.

A factory is a row of data: its code, the fields it takes after ``service`` and ``operation``
(they become ``details``), and a message template for factories whose message is implied by
their fields. :func:`error_factory` turns the row into a function with a real signature
(``help()`` and ``inspect.signature`` show it), so adding a domain is a table, not a file of
copies::

    raise_course_not_found = error_factory(
        ClassManagementErrorCode.COURSE_NOT_FOUND, "course_id", "correlation_id",
        template="Course with ID '{course_id}' not found",
    )
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable, MutableMapping
from typing import Any, NoReturn

from huleedu_service_libs.error_handling._codes import ErrorCodeLike
from huleedu_service_libs.error_handling._context import create_error_detail_with_context
from huleedu_service_libs.error_handling._error import HuleEduError

__all__ = ["ErrorFactory", "error_factory", "name_factories", "raise_error"]

ErrorFactory = Callable[..., NoReturn]
_P = inspect.Parameter


def raise_error(
    error_code: ErrorCodeLike,
    message: str,
    *,
    service: str,
    operation: str,
    correlation_id: uuid.UUID | str | None = None,
    details: dict[str, Any] | None = None,
) -> NoReturn:
    """Raise a ``HuleEduError`` for ``error_code``, tied to the current request and span."""
    raise HuleEduError(
        create_error_detail_with_context(
            error_code, message, service, operation, correlation_id, details
        )
    )


def error_factory(
    error_code: ErrorCodeLike, *fields: str, template: str | None = None, extra: bool = True
) -> ErrorFactory:
    """A ``raise_*`` function: ``(service, operation, *fields, correlation_id=None, **details)``.

    ``fields`` are positional in the order given and may place ``message`` and
    ``correlation_id`` anywhere; ``correlation_id`` is added last when not named. ``message``
    defaults to ``template`` formatted with the fields. ``extra`` accepts more ``**details``.
    """
    signature = _signature(fields, template is not None, extra)

    def factory(*args: Any, **kwargs: Any) -> NoReturn:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        values = dict(bound.arguments)
        more = values.pop("details", {})
        service, operation = values.pop("service"), values.pop("operation")
        correlation_id = values.pop("correlation_id")
        message = values.pop("message", None)
        if message is None:
            message = (template or "{}").format(**values)
        details = {k: v for k, v in values.items() if v is not None} | more
        raise_error(
            error_code,
            message,
            service=service,
            operation=operation,
            correlation_id=correlation_id,
            details=details,
        )

    factory.__signature__ = signature  # type: ignore[attr-defined]
    return factory


def _signature(fields: tuple[str, ...], templated: bool, extra: bool) -> inspect.Signature:
    names = ["service", "operation", *fields]
    if "correlation_id" not in names:
        names.append("correlation_id")
    parameters: list[_P] = []
    optional = False
    for name in names:
        optional = optional or name == "correlation_id" or (name == "message" and templated)
        default = None if optional else _P.empty
        parameters.append(_P(name, _P.POSITIONAL_OR_KEYWORD, default=default))
    if extra:
        parameters.append(_P("details", _P.VAR_KEYWORD))
    return inspect.Signature(parameters)


def name_factories(namespace: MutableMapping[str, Any]) -> None:
    """Give each factory of a module the name it is assigned to (tracebacks and ``help()``)."""
    module = namespace["__name__"]
    for name, value in namespace.items():
        if name.startswith("raise_") and getattr(value, "__signature__", None) is not None:
            value.__name__ = value.__qualname__ = name
            value.__module__ = module
