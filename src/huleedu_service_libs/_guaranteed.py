"""A class attribute that must be set before use, and says so clearly when it is not."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload

from huleedu_service_libs.errors import InfrastructureNotConfiguredError

T = TypeVar("T")

__all__ = ["Guaranteed"]


class Guaranteed(Generic[T]):
    """Typed as ``T`` for readers; reading it unset raises, setting it checks the type.

    The value lives in the instance ``__dict__`` under the attribute's own name, so ``vars()``
    and debuggers show it as usual.
    """

    def __init__(self, kind: type[T], hint: str) -> None:
        self._kind = kind
        self._hint = hint
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type) -> Guaranteed[T]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T: ...
    def __get__(self, instance: object | None, owner: type) -> Guaranteed[T] | T:
        if instance is None:
            return self
        try:
            return instance.__dict__[self._name]  # type: ignore[no-any-return]
        except KeyError:
            owner_name = type(instance).__name__
            raise InfrastructureNotConfiguredError(
                f"{owner_name}.{self._name} is not set: {self._hint}"
            ) from None

    def __set__(self, instance: object, value: T) -> None:
        if not isinstance(value, self._kind):
            raise TypeError(
                f"{self._name} must be a {self._kind.__name__}, not {type(value).__name__}"
            )
        instance.__dict__[self._name] = value

    def is_set(self, instance: Any) -> bool:
        return self._name in instance.__dict__
