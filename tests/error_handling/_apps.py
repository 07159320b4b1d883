"""A small Quart service that answers its errors with ``register_error_handlers``."""

from __future__ import annotations

from enum import Enum

from quart import Quart, abort
from quart.typing import ResponseReturnValue

from huleedu_service_libs.error_handling import (
    ErrorCode,
    HuleEduError,
    create_error_detail_with_context,
    raise_error,
    raise_resource_not_found,
    raise_service_unavailable,
    raise_validation_error,
)
from huleedu_service_libs.error_handling.quart import (
    create_error_response,
    register_error_handlers,
)

#: Planted in unexpected exceptions' text; no response, log line or span may show it.
SECRET = "planted-s3cret-4242"


class EssayErrorCode(str, Enum):  # noqa: UP042 - services declare their codes so
    ESSAY_LOCKED = "ESSAY_LOCKED"


class FakeDatabaseError(Exception):
    """Stands in for a driver error that quotes the statement's values."""


FakeDatabaseError.__module__ = "asyncpg.exceptions"


def create_app() -> Quart:
    app = Quart("essay_service")
    register_error_handlers(
        app, status_codes={EssayErrorCode.ESSAY_LOCKED: 423}, service_name="essay_service"
    )

    @app.get("/essays/<essay_id>")
    async def get_essay(essay_id: str) -> str:
        raise_resource_not_found(
            service="essay_service",
            operation="get_essay",
            resource_type="essay",
            resource_id=essay_id,
        )

    @app.post("/essays")
    async def create_essay() -> str:
        raise_validation_error(
            service="essay_service", operation="create_essay", field="title", message="required"
        )

    @app.get("/locked")
    async def locked() -> str:
        raise_error(
            EssayErrorCode.ESSAY_LOCKED, "locked", service="essay_service", operation="lock"
        )

    @app.get("/unavailable")
    async def unavailable() -> str:
        raise_service_unavailable(
            service="essay_service", operation="fetch", unavailable_service="content_service"
        )

    @app.get("/conflict")
    async def conflict() -> str:
        abort(409)

    @app.get("/queued")
    async def queued() -> ResponseReturnValue:
        try:
            raise_error(ErrorCode.REQUEST_QUEUED, "queued", service="essay_service", operation="q")
        except HuleEduError as error:
            return create_error_response(error.error_detail)

    @app.get("/answered-by-hand")
    async def answered_by_hand() -> ResponseReturnValue:
        detail = create_error_detail_with_context(
            ErrorCode.VALIDATION_ERROR, "checked by hand", "essay_service", "by_hand"
        )
        return create_error_response(detail, status_code=422)

    @app.get("/boom")
    async def boom() -> str:
        raise RuntimeError(f"cannot reach postgresql://app:{SECRET}@db/essays with token={SECRET}")

    @app.get("/db-boom")
    async def db_boom() -> str:
        raise FakeDatabaseError(f"duplicate key: Key (email)=({SECRET}) already exists")

    return app
