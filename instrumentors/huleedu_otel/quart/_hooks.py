"""The user's request and response hooks, run so that their failure cannot reach a request."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from opentelemetry import trace

from huleedu_otel.quart._guard import report_failure

__all__ = ["Hooks", "Message", "Scope", "ServerRequestHook", "ServerResponseHook"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ServerRequestHook = Callable[[trace.Span, Scope], None]
ServerResponseHook = Callable[[trace.Span, Message], None]


class Hooks:
    """``server_request_hook(span, scope)`` and ``server_response_hook(span, message)``."""

    __slots__ = ("request", "response")

    def __init__(
        self, request: ServerRequestHook | None, response: ServerResponseHook | None
    ) -> None:
        self.request = request
        self.response = response

    def on_request(self, span: trace.Span, scope: Scope) -> None:
        if self.request is not None and span.is_recording():
            try:
                self.request(span, scope)
            except Exception:
                report_failure("server_request_hook")

    def on_response(self, span: trace.Span, message: Message) -> None:
        if self.response is not None and span.is_recording():
            try:
                self.response(span, message)
            except Exception:
                report_failure("server_response_hook")
