"""What the caller hands over in the headers: its trace context and its correlation id.

Most requests (probes, browsers, the first hop) carry none of the propagator's headers; the
propagator's ``fields`` are looked up once per propagator so those requests skip extraction.
An incoming ``X-Correlation-ID`` is reused only when it is short and harmless in logs and
headers; otherwise a new one is generated.
"""

from __future__ import annotations

from opentelemetry import context, propagate
from opentelemetry.propagators.textmap import Getter, TextMapPropagator

from huleedu_otel.quart._telemetry import report_failure
from huleedu_service_libs._shared.correlation_rule import accepts_bytes
from huleedu_service_libs.correlation import new_correlation_id

__all__ = ["CORRELATION_HEADER", "Headers", "correlation_id", "parent_context"]

Headers = dict[bytes, bytes]

CORRELATION_HEADER = b"x-correlation-id"


def correlation_id(headers: Headers) -> str:
    """The caller's correlation id when it is acceptable, else a new one."""
    given = headers.get(CORRELATION_HEADER)
    if given is not None and accepts_bytes(given):  # the shared rule
        return given.decode("ascii")
    return new_correlation_id()


class _HeaderGetter(Getter[Headers]):
    def get(self, carrier: Headers, key: str) -> list[str] | None:
        value = carrier.get(key.encode("latin-1"))
        return None if value is None else [value.decode("latin-1")]

    def keys(self, carrier: Headers) -> list[str]:
        return [key.decode("latin-1") for key in carrier]


_GETTER = _HeaderGetter()
#: The last global propagator seen and the header names it reads (it rarely changes).
_last: tuple[TextMapPropagator | None, tuple[bytes, ...]] = (None, ())


def _fields(textmap: TextMapPropagator) -> tuple[bytes, ...]:
    """The header names ``textmap`` reads, as ASGI bytes; empty means "cannot tell"."""
    global _last
    if _last[0] is not textmap:
        names = tuple(sorted(name.lower().encode("latin-1") for name in textmap.fields))
        _last = (textmap, names)
    return _last[1]


def parent_context(headers: Headers) -> context.Context | None:
    """The caller's context, or ``None``; malformed or hostile headers also give ``None``."""
    textmap = propagate.get_global_textmap()
    try:
        fields = _fields(textmap)
        if fields and not any(field in headers for field in fields):
            return None
        return textmap.extract(headers, getter=_GETTER)
    except Exception:
        report_failure("trace context extraction")
        return None
