"""Instrumenting and restoring one Quart app, idempotently, and the wrappers it then runs.

The wrappers are wrapt ``FunctionWrapper`` objects set on the app instance (Quart's own way of
adding ASGI middleware is ``app.asgi_app = middleware(app.asgi_app)``); the class is never
swapped. The registry holds the apps weakly and its values never reference the app, so an
instrumented app is collected like any other.

``asgi_app`` is the lowest-cost point that still sees the whole exchange: the span is current
for the app's tasks (Quart copies the context into them) and ends after the last body chunk
went out. The matched rule is only known inside Quart's request context, so the thin wrapper
on ``handle_request`` / ``handle_websocket`` copies it onto the exchange found in the scope.
Exceptions arrive through Quart's ``got_*_exception`` signals, which cost nothing until one
fires.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from quart import Quart, request, websocket
from quart.signals import got_request_exception, got_websocket_exception
from wrapt import FunctionWrapper

from huleedu_otel.quart._exchange import EXCHANGE_KEY, Exchange, Hooks
from huleedu_otel.quart._settings import QuartOptions, QuartSettings
from huleedu_otel.quart._telemetry import ServerTelemetry, report_failure, telemetry_for
from huleedu_service_libs._shared.answered_error import ERROR_TYPE_SCOPE_KEY

__all__ = ["AppTracing", "instrument_app", "is_instrumented", "uninstrument_app"]

Wrapped = Callable[..., Awaitable[Any]]


class AppTracing:
    """What one app's wrappers share. It holds no reference to the app itself."""

    __slots__ = ("__weakref__", "active", "hooks", "settings", "telemetry")

    def __init__(self, telemetry: ServerTelemetry, settings: QuartSettings, hooks: Hooks) -> None:
        self.telemetry = telemetry
        self.settings = settings
        self.hooks = hooks
        self.active = True

    async def asgi_app(
        self, wrapped: Wrapped, instance: object, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        scope = args[0]
        kind = scope["type"]
        exchange = None
        if (
            (kind == "http" or kind == "websocket")
            and self.active
            and not self.settings.is_excluded(scope["path"])
            and is_instrumentation_enabled()
        ):
            exchange = self._begin(scope, args[2])
        if exchange is None:
            await wrapped(*args, **kwargs)
            return
        try:
            await wrapped(scope, args[1], exchange.send)
        except BaseException as error:
            exchange.record_exception(error)
            raise
        finally:
            _finish(exchange, scope)

    def _begin(self, scope: Any, send: Any) -> Exchange | None:
        try:
            exchange = Exchange(self.telemetry, self.settings, self.hooks, scope, send)
            scope[EXCHANGE_KEY] = exchange
            exchange.enter()
        except Exception:
            report_failure("starting the request span")
            return None
        return exchange

    async def record_route(
        self, wrapped: Wrapped, instance: object, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """Around ``handle_request``/``handle_websocket``: the rule Quart matched, if any."""
        connection = args[0]
        try:
            return await wrapped(*args, **kwargs)
        finally:
            exchange = connection.scope.get(EXCHANGE_KEY)
            rule = connection.url_rule
            if exchange is not None and rule is not None:
                exchange.route = rule.rule

    async def on_request_exception(self, sender: object, exception: Exception, **_: Any) -> None:
        _record(request.scope, exception)

    async def on_websocket_exception(self, sender: object, exception: Exception, **_: Any) -> None:
        _record(websocket.scope, exception)


def _record(scope: Any, exception: Exception) -> None:
    exchange = scope.get(EXCHANGE_KEY)
    if exchange is not None:
        exchange.record_exception(exception)


def _finish(exchange: Exchange, scope: Any) -> None:
    """End the exchange; an error handler's answered code, if any, is its ``error.type``."""
    try:
        answered = scope.get(ERROR_TYPE_SCOPE_KEY)
        if answered is not None and exchange.error_type is None:
            exchange.error_type = answered
        exchange.leave()
        exchange.finish()
    except Exception:
        report_failure("ending the request span")


_instrumented: weakref.WeakKeyDictionary[Quart, AppTracing] = weakref.WeakKeyDictionary()


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
