"""How an error handler tells the HTTP server span's owner what a 5xx answer's ``error.type`` is.

The Quart instrumentor ends the SERVER span after the response went out and, for a 5xx
without an exception it saw, sets ``error.type`` to the status code. An error handler that
answered the exception itself (``error_handling.quart``) leaves the error's code under this
ASGI scope key, so the span and the duration metric carry ``error.type`` = the code instead.
"""

from __future__ import annotations

__all__ = ["ERROR_TYPE_SCOPE_KEY"]

ERROR_TYPE_SCOPE_KEY = "huleedu.answered_error_type"
