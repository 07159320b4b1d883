"""The wrappers one instrumented app runs: around its ASGI entry and its request handlers.

``asgi_app`` is the lowest-cost point that still sees the whole exchange: the span is current
for the app's tasks (Quart copies the context into them) and ends after the last body chunk
went out. The matched rule is only known inside Quart's request context, so the thin wrapper
on ``handle_request`` / ``handle_websocket`` copies it onto the exchange found in the scope.
Exceptions arrive through Quart's ``got_*_exception`` signals, which cost nothing until one
fires.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from quart import request, websocket

from huleedu_otel.quart._exchange import EXCHANGE_KEY, Exchange
from huleedu_otel.quart._guard import report_failure
from huleedu_otel.quart._hooks import Hooks
from huleedu_otel.quart._settings import QuartSettings
from huleedu_otel.quart._telemetry import ServerTelemetry
from huleedu_service_libs._shared.answered_error import ERROR_TYPE_SCOPE_KEY

__all__ = ["AppTracing"]

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
