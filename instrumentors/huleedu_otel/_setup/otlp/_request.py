"""An export request: items grouped by resource, then by scope, as upstream groups them.

Traces and logs share the shape (request field 1 = ResourceX; ResourceX: resource 1, scope
groups 2, schema_url 3; ScopeX: scope 1, items 2, schema_url 3), so one assembler serves both.
Upstream groups with dict keys, i.e. by equality; equal resources are found here by identity
first, since a Resource hashes by serialising its attributes to JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from huleedu_otel._setup.otlp._origin import resource_field, scope_field
from huleedu_otel._setup.otlp._wire import delimited, utf8

__all__ = ["encode_request"]

T = TypeVar("T")
_Scope = InstrumentationScope | None
_Group = tuple[Resource, list[tuple[_Scope, list[bytes]]]]


def _group(
    items: Sequence[T],
    origin: Callable[[T], tuple[Resource, _Scope]],
    encode: Callable[[T], bytes],
) -> list[_Group]:
    groups: list[_Group] = []
    by_identity: dict[tuple[int, int], list[bytes]] = {}
    for item in items:
        resource, scope = origin(item)
        found = by_identity.get((id(resource), id(scope)))
        if found is None:
            found = _find(groups, resource, scope)
            by_identity[(id(resource), id(scope))] = found
        found.append(encode(item))
    return groups


def _find(groups: list[_Group], resource: Resource, scope: _Scope) -> list[bytes]:
    """The item list of the group equal to (resource, scope), made if there is none yet."""
    scopes = next((s for r, s in groups if r is resource or r == resource), None)
    if scopes is None:
        scopes = []
        groups.append((resource, scopes))
    found = next((i for s, i in scopes if s is scope or s == scope), None)
    if found is None:
        found = []
        scopes.append((scope, found))
    return found


def _schema_url(url: str | None) -> bytes:
    return b"\x1a" + delimited(utf8(url)) if url else b""


def encode_request(
    items: Sequence[T],
    origin: Callable[[T], tuple[Resource, _Scope]],
    encode: Callable[[T], bytes],
) -> bytes:
    """The request bytes; ``encode`` returns one item length-prefixed."""
    out = []
    for resource, scopes in _group(items, origin, encode):
        parts = [resource_field(resource)]
        for scope, encoded in scopes:
            body = (
                scope_field(scope)
                + b"\x12"
                + b"\x12".join(encoded)
                + _schema_url(scope.schema_url if scope else None)
            )
            parts.append(b"\x12" + delimited(body))
        parts.append(_schema_url(resource.schema_url))
        out.append(b"\x0a" + delimited(b"".join(parts)))
    return b"".join(out)
