"""Test helpers for code that raises ``HuleEduError``: no pytest needed, plain assertions.

::

    with assert_raises_huleedu_error(ErrorCode.RESOURCE_NOT_FOUND, details_contain={"id": 1}):
        await repository.get(1)

    with ErrorCapture() as caught:
        await client.fetch()
    assert caught.error_detail == ErrorDetailMatcher(ErrorCode.TIMEOUT, service="nlp")
"""

from __future__ import annotations

from huleedu_service_libs.error_handling._testing import (
    ErrorCapture,
    ErrorDetailMatcher,
    assert_raises_huleedu_error,
    create_test_error_detail,
    create_test_huleedu_error,
)

__all__ = [
    "ErrorCapture",
    "ErrorDetailMatcher",
    "assert_raises_huleedu_error",
    "create_test_error_detail",
    "create_test_huleedu_error",
]
