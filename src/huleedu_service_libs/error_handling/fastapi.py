"""FastAPI adapter: errors answered as the platform's JSON, like ``error_handling.quart``.

``register_error_handlers(app)`` answers a ``HuleEduError`` with the status of its code, a
Starlette HTTP exception with its own status and the nearest code, a request validation error
with 400 ``VALIDATION_ERROR``, and any other exception with a generic 500 ``UNKNOWN_ERROR``.
FastAPI is an optional extra: ``pip install 'huleedu-service-libs[fastapi]'``.
"""

from __future__ import annotations

try:
    import fastapi as _fastapi  # noqa: F401 - only to say which extra is missing
except ImportError as missing:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "huleedu_service_libs.error_handling.fastapi needs FastAPI: "
        "pip install 'huleedu-service-libs[fastapi]'"
    ) from missing

from huleedu_service_libs.error_handling._fastapi import (
    create_error_response,
    register_error_handlers,
)

__all__ = ["create_error_response", "register_error_handlers"]
