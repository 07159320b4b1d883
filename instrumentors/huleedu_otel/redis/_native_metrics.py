"""Whether redis-py's own OpenTelemetry metrics already record a command's duration.

redis-py 7.1+ can emit ``db.client.operation.duration`` itself (``redis.observability`` with
the ``COMMAND`` metric group). When it does, ours would count every command twice, so the
instrumentor asks here before recording and leaves the metric to redis-py. Spans are ours
either way: redis-py emits no spans.

redis-py decides per flavour: the sync and the asyncio recorder each create their collector
on first use from the observability settings, and keep it (even after those settings are
reset). So the answer comes from the collector when it exists, else from the settings it
would be created from.
"""

from __future__ import annotations

import importlib.util
from typing import Any

__all__ = ["redis_py_records_duration"]

#: redis-py before 7.1 has no metrics of its own.
_AVAILABLE = importlib.util.find_spec("redis.observability") is not None
if _AVAILABLE:
    from redis.asyncio.observability import recorder as async_recorder
    from redis.observability import recorder as sync_recorder
    from redis.observability.config import MetricGroup
    from redis.observability.providers import get_observability_instance


def redis_py_records_duration(command_name: str, *, asyncio: bool) -> bool:
    """True when redis-py will record ``db.client.operation.duration`` for this command."""
    if not _AVAILABLE:
        return False
    config = _config_in_force(asyncio)
    if config is None or MetricGroup.COMMAND not in config.metric_groups:
        return False
    return bool(config.should_track_command(command_name))


def _config_in_force(asyncio: bool) -> Any:
    collector = (
        getattr(async_recorder, "_async_metrics_collector", None)
        if asyncio
        else getattr(sync_recorder, "_metrics_collector", None)
    )
    if collector is not None:
        return collector.config
    manager = get_observability_instance().get_provider_manager()
    if manager is None or not manager.config.is_enabled():
        return None
    return manager.config
