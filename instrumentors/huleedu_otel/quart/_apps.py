"""Instrumenting and restoring one Quart app, idempotently.

The wrappers are wrapt ``FunctionWrapper`` objects set on the app instance (Quart's own way of
adding ASGI middleware is ``app.asgi_app = middleware(app.asgi_app)``); the class is never
swapped. The registry holds the apps weakly and its values never reference the app, so an
instrumented app is collected like any other.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from opentelemetry import metrics, trace
from quart import Quart
from quart.signals import got_request_exception, got_websocket_exception
from wrapt import FunctionWrapper

from huleedu_otel.quart._hooks import Hooks, ServerRequestHook, ServerResponseHook
from huleedu_otel.quart._settings import QuartSettings
from huleedu_otel.quart._telemetry import telemetry_for
from huleedu_otel.quart._wrappers import AppTracing

__all__ = ["QuartOptions", "instrument_app", "is_instrumented", "uninstrument_app"]

_instrumented: weakref.WeakKeyDictionary[Quart, AppTracing] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class QuartOptions:
    """What ``instrument()`` / ``instrument_app()`` accept, beyond the environment."""

    tracer_provider: trace.TracerProvider | None = None
    meter_provider: metrics.MeterProvider | None = None
    excluded_urls: str | None = None
    server_request_hook: ServerRequestHook | None = None
    server_response_hook: ServerResponseHook | None = None

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any]) -> QuartOptions:
        known = cls.__dataclass_fields__
        return cls(**{name: value for name, value in kwargs.items() if name in known})


def is_instrumented(app: Quart) -> bool:
    return app in _instrumented


def instrument_app(app: Quart, options: QuartOptions, version: str) -> bool:
    """Instrument ``app``; ``False`` when it already was (a second call changes nothing)."""
    if app in _instrumented:
        return False
    tracing = AppTracing(
        telemetry_for(options.tracer_provider, options.meter_provider, version),
        QuartSettings.from_env(excluded_urls=options.excluded_urls),
        Hooks(options.server_request_hook, options.server_response_hook),
    )
    _wrap(app, "asgi_app", tracing.asgi_app)
    _wrap(app, "handle_request", tracing.record_route)
    _wrap(app, "handle_websocket", tracing.record_route)
    got_request_exception.connect(tracing.on_request_exception, sender=app, weak=False)
    got_websocket_exception.connect(tracing.on_websocket_exception, sender=app, weak=False)
    _instrumented[app] = tracing
    return True


def uninstrument_app(app: Quart) -> bool:
    """Remove our wrappers from ``app``; ``False`` when it was not instrumented."""
    tracing = _instrumented.pop(app, None)
    if tracing is None:
        return False
    tracing.active = False  # a wrapper buried under someone else's middleware turns inert
    for name in ("asgi_app", "handle_request", "handle_websocket"):
        _restore(app, name, tracing)
    got_request_exception.disconnect(tracing.on_request_exception, sender=app)
    got_websocket_exception.disconnect(tracing.on_websocket_exception, sender=app)
    return True


def _wrap(app: Quart, name: str, wrapper: Any) -> None:
    setattr(app, name, FunctionWrapper(getattr(app, name), wrapper))


def _restore(app: Quart, name: str, tracing: AppTracing) -> None:
    current = app.__dict__.get(name)
    if not isinstance(current, FunctionWrapper) or _owner(current) is not tracing:
        return
    original = current.__wrapped__
    if getattr(original, "__func__", None) is getattr(type(app), name, None):
        del app.__dict__[name]  # it was the class's method: no instance attribute before us
    else:
        setattr(app, name, original)


def _owner(wrapper: FunctionWrapper[Any, Any]) -> object:
    return getattr(wrapper._self_wrapper, "__self__", None)
