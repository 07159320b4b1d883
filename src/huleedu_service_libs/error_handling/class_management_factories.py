"""Class management: its codes, their HTTP statuses, and one factory row per code."""

from __future__ import annotations

from huleedu_service_libs.error_handling import _builder
from huleedu_service_libs.error_handling._codes import CodeEnum as _CodeEnum

_factory = _builder.error_factory

__all__ = [
    "ClassManagementErrorCode",
    "HTTP_STATUS",
    "raise_class_not_found",
    "raise_course_not_found",
    "raise_course_validation_error",
    "raise_multiple_course_error",
    "raise_student_not_found",
]


class ClassManagementErrorCode(_CodeEnum):
    COURSE_NOT_FOUND = "COURSE_NOT_FOUND"
    COURSE_VALIDATION_ERROR = "COURSE_VALIDATION_ERROR"
    MULTIPLE_COURSE_ERROR = "MULTIPLE_COURSE_ERROR"
    CLASS_NOT_FOUND = "CLASS_NOT_FOUND"
    STUDENT_NOT_FOUND = "STUDENT_NOT_FOUND"


_C = ClassManagementErrorCode
HTTP_STATUS = {
    _C.COURSE_NOT_FOUND: 404,
    _C.COURSE_VALIDATION_ERROR: 400,
    _C.MULTIPLE_COURSE_ERROR: 409,
    _C.CLASS_NOT_FOUND: 404,
    _C.STUDENT_NOT_FOUND: 404,
}

# fmt: off
raise_course_not_found = _factory(
    _C.COURSE_NOT_FOUND, "course_id", template="Course with ID '{course_id}' not found")
raise_course_validation_error = _factory(_C.COURSE_VALIDATION_ERROR, "message")
raise_multiple_course_error = _factory(_C.MULTIPLE_COURSE_ERROR, "message")
raise_class_not_found = _factory(
    _C.CLASS_NOT_FOUND, "class_id", template="Class with ID '{class_id}' not found")
raise_student_not_found = _factory(
    _C.STUDENT_NOT_FOUND, "student_id", template="Student with ID '{student_id}' not found")
# fmt: on

_builder.name_factories(globals())
