"""The Quart adapter's implementation (public face: ``error_handling.quart``)."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any, cast

from quart import Quart, Response, current_app, has_request_context, jsonify, request
from werkzeug.exceptions import HTTPException

from huleedu_service_libs._shared.answered_error import ERROR_TYPE_SCOPE_KEY
from huleedu_service_libs.error_handling._answer import (
    KEPT_HEADERS,
    AnswerSettings,
    error_body,
    http_error_detail,
    unexpected_detail,
)
from huleedu_service_libs.error_handling._codes import ErrorCodeLike, code_value
from huleedu_service_libs.error_handling._error import ErrorDetailLike, HuleEduError
from huleedu_service_libs.error_handling._observe import observe
from huleedu_service_libs.error_handling._status import status_for

__all__ = ["create_error_response", "register_error_handlers"]

_EXTENSION = "huleedu.error_handling"


def register_error_handlers(
    app: Quart,
    *,
    status_codes: Mapping[ErrorCodeLike, int] | None = None,
    service_name: str | None = None,
) -> None:
    """Answer errors as JSON. ``status_codes`` adds or overrides statuses for codes."""
    app.extensions[_EXTENSION] = AnswerSettings(status_codes, service_name)
    app.register_error_handler(HuleEduError, _answer_huleedu_error)
    app.register_error_handler(HTTPException, _answer_http_exception)
    app.register_error_handler(Exception, _answer_unexpected)


def create_error_response(
    error_detail: ErrorDetailLike, status_code: int | None = None
) -> tuple[Response, int]:
    """The JSON answer for ``error_detail`` (status from its code unless given), observed."""
    status = status_code if status_code is not None else _status(error_detail)
    return _respond(error_detail, status, None)


def _settings() -> AnswerSettings | None:
    found = current_app.extensions.get(_EXTENSION)
    return found if isinstance(found, AnswerSettings) else None


def _status(detail: ErrorDetailLike) -> int:
    settings = _settings()
    return settings.status(detail) if settings else status_for(detail.error_code)


def _respond(
    detail: ErrorDetailLike, status: int, error: BaseException | None
) -> tuple[Response, int]:
    observe(detail, status, error)
    if status >= 500 and has_request_context():
        scope = cast(MutableMapping[str, Any], request.scope)
        scope[ERROR_TYPE_SCOPE_KEY] = code_value(detail.error_code)
    return jsonify(error_body(detail)), status


async def _answer_huleedu_error(error: HuleEduError) -> tuple[Response, int]:
    return _respond(error.error_detail, _status(error.error_detail), error)


async def _answer_http_exception(error: HTTPException) -> HTTPException | tuple[Response, int]:
    status = error.code or 500
    if status < 400:  # a redirect raised by routing (trailing slash): not an error
        return error
    detail = http_error_detail(status, error.description or error.name, *_where())
    response, status = _respond(detail, status, error)
    for name, value in error.get_headers():
        if name.lower() in KEPT_HEADERS:
            response.headers[name] = value
    return response, status


async def _answer_unexpected(error: Exception) -> tuple[Response, int]:
    return _respond(unexpected_detail(*_where()), 500, error)


def _where() -> tuple[str, str]:
    """The service's name and the endpoint being served (bounded: no raw paths)."""
    settings = _settings()
    service = (settings.service_name if settings else None) or current_app.name
    return service, (request.endpoint if has_request_context() else None) or "unmatched"
