"""The Resource and InstrumentationScope fields, encoded once per object.

The SDK's resources and scopes are immutable and few (one resource, a scope per instrumentor),
so each one's bytes are kept, keyed by identity. The entry holds the object, so its id cannot be
reused by another while the entry lives; the table is cleared if it ever grows past its bound.
"""

from __future__ import annotations

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from huleedu_otel._setup.otlp._values import attributes
from huleedu_otel._setup.otlp._wire import delimited, utf8

__all__ = ["resource_field", "scope_field"]

_BOUND = 256
_resources: dict[int, tuple[Resource, bytes]] = {}
_scopes: dict[int, tuple[InstrumentationScope | None, bytes]] = {}

#: ``ResourceSpans.resource`` / ``ResourceLogs.resource`` and ``Scope*.scope`` are field 1.
_FIELD_1 = b"\x0a"


def resource_field(resource: Resource) -> bytes:
    """Field 1 of ResourceSpans/ResourceLogs: the resource's attributes (always present)."""
    entry = _resources.get(id(resource))
    if entry is None or entry[0] is not resource:
        if len(_resources) >= _BOUND:
            _resources.clear()
        entry = (resource, _FIELD_1 + delimited(attributes(b"\x0a", resource.attributes)))
        _resources[id(resource)] = entry
    return entry[1]


def _scope(scope: InstrumentationScope | None) -> bytes:
    if scope is None:
        return b""
    parts = []
    if scope.name:
        parts.append(b"\x0a" + delimited(utf8(scope.name)))
    if scope.version:
        parts.append(b"\x12" + delimited(utf8(scope.version)))
    parts.append(attributes(b"\x1a", scope.attributes))
    return b"".join(parts)


def scope_field(scope: InstrumentationScope | None) -> bytes:
    """Field 1 of ScopeSpans/ScopeLogs: name, version, attributes (always present, maybe empty)."""
    entry = _scopes.get(id(scope))
    if entry is None or entry[0] is not scope:
        if len(_scopes) >= _BOUND:
            _scopes.clear()
        entry = (scope, _FIELD_1 + delimited(_scope(scope)))
        _scopes[id(scope)] = entry
    return entry[1]
