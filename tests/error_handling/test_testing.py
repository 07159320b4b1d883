"""The test helpers services use to pin the errors they raise."""

from __future__ import annotations

import uuid

import pytest

from huleedu_service_libs.error_handling import (
    ErrorCode,
    HuleEduError,
    raise_resource_not_found,
    raise_timeout_error,
)
from huleedu_service_libs.error_handling.testing import (
    ErrorCapture,
    ErrorDetailMatcher,
    assert_raises_huleedu_error,
    create_test_error_detail,
    create_test_huleedu_error,
)


def _not_found() -> None:
    raise_resource_not_found(
        service="essay_service", operation="get", resource_type="essay", resource_id="e1"
    )


def test_assert_raises_passes_on_a_match_and_hands_over_the_error() -> None:
    with assert_raises_huleedu_error(
        ErrorCode.RESOURCE_NOT_FOUND,
        service="essay_service",
        operation="get",
        message_contains="e1",
        details_contain={"resource_type": "essay"},
    ) as caught:
        _not_found()
    assert caught.error is not None
    assert caught.error_detail.details["resource_id"] == "e1"


@pytest.mark.parametrize(
    ("kwargs", "complaint"),
    [
        ({"error_code": ErrorCode.TIMEOUT}, "error_code RESOURCE_NOT_FOUND"),
        ({"error_code": ErrorCode.RESOURCE_NOT_FOUND, "service": "other"}, "service"),
        ({"error_code": ErrorCode.RESOURCE_NOT_FOUND, "message_contains": "zzz"}, "lacks"),
        (
            {"error_code": ErrorCode.RESOURCE_NOT_FOUND, "details_contain": {"resource_id": "x"}},
            "details['resource_id']",
        ),
    ],
)
def test_assert_raises_fails_naming_what_differs(kwargs: dict[str, object], complaint: str) -> None:
    with (
        pytest.raises(AssertionError, match="does not match") as failure,
        assert_raises_huleedu_error(**kwargs),  # type: ignore[arg-type]
    ):
        _not_found()
    assert complaint in str(failure.value)


def test_assert_raises_fails_when_nothing_is_raised_and_lets_other_errors_through() -> None:
    with (
        pytest.raises(AssertionError, match="none was raised"),
        assert_raises_huleedu_error(ErrorCode.TIMEOUT),
    ):
        pass
    with pytest.raises(KeyError), assert_raises_huleedu_error(ErrorCode.TIMEOUT):
        raise KeyError("not ours")


def test_error_capture_keeps_the_error_and_the_matcher_compares_equal() -> None:
    with ErrorCapture() as caught:
        raise_timeout_error(service="nlp", operation="analyse", timeout_seconds=3)
    assert caught.error_detail == ErrorDetailMatcher(ErrorCode.TIMEOUT, service="nlp")
    assert caught.error == ErrorDetailMatcher(details_contain={"timeout_seconds": 3})
    assert caught.error_detail != ErrorDetailMatcher(ErrorCode.RATE_LIMIT)
    assert ErrorDetailMatcher(ErrorCode.TIMEOUT) != "not a detail"
    with ErrorCapture() as empty:
        pass
    with pytest.raises(AssertionError):
        _ = empty.error_detail


def test_factories_for_test_data() -> None:
    correlation_id = uuid.uuid4()
    detail = create_test_error_detail(correlation_id=correlation_id, trace_id="ab" * 16)
    assert (detail.error_code, detail.service, detail.correlation_id, detail.trace_id) == (
        ErrorCode.PROCESSING_ERROR,
        "test_service",
        correlation_id,
        "ab" * 16,
    )
    error = create_test_huleedu_error(ErrorCode.VALIDATION_ERROR, details={"field": "title"})
    assert isinstance(error, HuleEduError)
    assert error.error_detail == ErrorDetailMatcher(
        ErrorCode.VALIDATION_ERROR, details_contain={"field": "title"}
    )
