"""Whether upstream's contrib redis instrumentor is also active (the user opted it in).

One owner per span: when contrib's wraps the same methods, its span is the command's span
and ours only measures (contrib records no metric).
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["contrib_tracing_check"]


def contrib_tracing_check() -> Callable[[], bool]:
    """A cheap per-call check, resolved once: is contrib's redis instrumentor on right now?"""
    try:
        from opentelemetry.instrumentation.redis import RedisInstrumentor
    except ImportError:
        return lambda: False
    contrib = RedisInstrumentor()  # a singleton: the one the launcher would have used
    return lambda: bool(getattr(contrib, "_is_instrumented_by_opentelemetry", False))
