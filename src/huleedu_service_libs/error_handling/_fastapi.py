"""The FastAPI adapter's implementation (public face: ``error_handling.fastapi``).

``HuleEduError``, Starlette HTTP exceptions and request validation errors are FastAPI
exception handlers. Any other exception is answered by a small ASGI middleware instead of a
handler for ``Exception``: Starlette re-raises after such a handler has answered, and the
server would then log the exception's raw text. The middleware also binds the request's
correlation id when nothing upstream did, so error answers and log lines carry it, and makes the
app's settings current for the request, so ``create_error_response`` in a route answers with the
statuses the service registered (FastAPI has no ``current_app`` to find them by).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huleedu_service_libs import correlation as _bound
from huleedu_service_libs.error_handling._answer import (
    KEPT_HEADERS,
    AnswerSettings,
    error_body,
    http_error_detail,
    unexpected_detail,
)
from huleedu_service_libs.error_handling._codes import ErrorCode, ErrorCodeLike
from huleedu_service_libs.error_handling._context import create_error_detail_with_context
from huleedu_service_libs.error_handling._error import ErrorDetailLike, HuleEduError
from huleedu_service_libs.error_handling._observe import observe
from huleedu_service_libs.error_handling.correlation import (
    extract_correlation_context_from_request,
)

__all__ = ["create_error_response", "register_error_handlers"]

_STATE = "huleedu_error_handling"
_VALIDATION_FIELDS = ("loc", "msg", "type")  # never "input": it may be a password
_DEFAULTS = AnswerSettings(None, None)
_current: ContextVar[AnswerSettings] = ContextVar("huleedu_error_settings", default=_DEFAULTS)


def register_error_handlers(
    app: FastAPI,
    *,
    status_codes: Mapping[ErrorCodeLike, int] | None = None,
    service_name: str | None = None,
) -> None:
    """Answer errors as the platform's JSON; call before the app starts serving."""
    settings = AnswerSettings(status_codes, service_name or app.title)
    setattr(app.state, _STATE, settings)
    app.add_exception_handler(HuleEduError, _answer_huleedu_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _answer_http_exception)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _answer_validation)  # type: ignore[arg-type]
    app.add_middleware(_AnswerUnexpected, settings=settings)


def create_error_response(
    error_detail: ErrorDetailLike, status_code: int | None = None
) -> JSONResponse:
    """The JSON answer for ``error_detail`` (status from its code unless given), observed."""
    status = status_code or _current.get().status(error_detail)
    return _respond(error_detail, status, None)


def _respond(detail: ErrorDetailLike, status: int, error: BaseException | None) -> JSONResponse:
    observe(detail, status, error)
    return JSONResponse(error_body(detail), status_code=status)


def _settings(request: Request) -> AnswerSettings:
    found = getattr(request.app.state, _STATE, None)
    return found if isinstance(found, AnswerSettings) else _DEFAULTS


def _where(request: Request) -> tuple[str, str]:
    return _service(_settings(request)), _operation(request.scope)


def _service(settings: AnswerSettings) -> str:
    return settings.service_name or "unknown_service"


def _operation(scope: Scope) -> str:
    endpoint = scope.get("endpoint")
    return getattr(endpoint, "__name__", None) or "unmatched"


async def _answer_huleedu_error(request: Request, error: HuleEduError) -> JSONResponse:
    detail = error.error_detail
    return _respond(detail, _settings(request).status(detail), error)


async def _answer_http_exception(request: Request, error: HTTPException) -> JSONResponse:
    detail = http_error_detail(error.status_code, str(error.detail), *_where(request))
    response = _respond(detail, error.status_code, error)
    for name, value in (error.headers or {}).items():
        if name.lower() in KEPT_HEADERS:
            response.headers[name] = value
    return response


async def _answer_validation(request: Request, error: RequestValidationError) -> JSONResponse:
    problems = [{k: e[k] for k in _VALIDATION_FIELDS if k in e} for e in error.errors()]
    service, operation = _where(request)
    detail = create_error_detail_with_context(
        ErrorCode.VALIDATION_ERROR,
        "Request validation failed",
        service,
        operation,
        details={"errors": problems},
        capture_stack=False,
    )
    return _respond(detail, _settings(request).status(detail), error)


class _AnswerUnexpected:
    """Answers an exception no handler took with a generic 500, unless the answer began."""

    def __init__(self, app: ASGIApp, settings: AnswerSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = None
        if _bound.get_correlation_id() is None:
            context = extract_correlation_context_from_request(Request(scope))
            token = _bound.bind_correlation_id(context.original)
        started = False
        current = _current.set(self.settings)

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as error:
            if started:
                raise
            detail = unexpected_detail(_service(self.settings), _operation(scope))
            await _respond(detail, 500, error)(scope, receive, send)
        finally:
            _current.reset(current)
            if token is not None:
                _bound.reset_correlation_id(token)
