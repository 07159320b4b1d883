"""``setup_correlation_middleware(app)``: the request's correlation context on ``g``.

``g.correlation_context`` is the :class:`CorrelationContext`; ``g.correlation_id`` its UUID, as
the platform's services pass it to the error factories. When the id came from the query
parameter (which the instrumentor does not read), it is bound for the rest of the request,
set on the SERVER span and echoed, so every place shows the same id.
"""

from __future__ import annotations

from contextlib import suppress
from contextvars import Token

from opentelemetry import trace
from quart import Quart, Response, g, request

from huleedu_service_libs import correlation as _bound
from huleedu_service_libs.error_handling import correlation as _extract

__all__ = ["setup_correlation_middleware"]

_TOKEN = "_huleedu_correlation_token"


def setup_correlation_middleware(app: Quart) -> None:
    """Put the correlation context on ``g`` before each request and echo its id."""
    app.before_request(_bind)
    app.after_request(_echo)
    app.teardown_request(_unbind)


async def _bind() -> None:
    context = _extract.extract_correlation_context_from_request(request)
    g.correlation_context = context
    g.correlation_id = context.uuid
    if _bound.get_correlation_id() != context.original:
        setattr(g, _TOKEN, _bound.bind_correlation_id(context.original))
        trace.get_current_span().set_attribute("huleedu.correlation_id", context.original)


async def _echo(response: Response) -> Response:
    context = g.get("correlation_context")
    if context is not None:
        response.headers[_bound.CORRELATION_HEADER] = context.original
    return response


async def _unbind(_: BaseException | None) -> None:
    token: Token[str | None] | None = g.pop(_TOKEN, None)
    if token is not None:
        with suppress(ValueError):  # torn down in another context than the one that bound it
            _bound.reset_correlation_id(token)
