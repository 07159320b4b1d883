"""Quart adapter: every error a route raises is answered as the platform's JSON.

``register_error_handlers(app)`` answers a ``HuleEduError`` with the status of its code, a
Quart/werkzeug HTTP exception (an unknown route, a wrong method, ``abort(409)``) with its own
status and the nearest code, and any other exception with a 500 ``UNKNOWN_ERROR`` whose message
is generic: the exception's text never reaches the client, and reaches logs and spans only
through the library's safe-exception-text rule. Importing this module imports Quart.
"""

from __future__ import annotations

from huleedu_service_libs.error_handling._quart import (
    create_error_response,
    register_error_handlers,
)

__all__ = ["create_error_response", "register_error_handlers"]
