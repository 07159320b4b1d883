"""What a span may say about a Redis command: its name and its shape, never its values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry.semconv.attributes import db_attributes, server_attributes

__all__ = ["Command", "connection_attributes", "pipeline_command", "single_command"]

#: db.query.text is cut here; a 100-command pipeline still fits.
MAX_QUERY_TEXT = 4096
_REDIS = "redis"  # db.system.name (not in the stable enum yet)


@dataclass(frozen=True, slots=True)
class Command:
    """One span's worth: a command, or a whole pipeline / MULTI block."""

    name: str
    query_text: str
    batch_size: int | None = None


def single_command(args: Sequence[Any]) -> Command:
    """``("SET", "k", "v", "EX", 60)`` -> ``SET`` with query text ``SET ? ? ? ?``."""
    name = _command_name(args[0])
    return Command(name, _placeholders(name, len(args) - 1))


def pipeline_command(pipeline: Any) -> Command | None:
    """One command for a pipeline's queued stack, or None when nothing will be sent."""
    stack: Sequence[tuple[Sequence[Any], Any]] = pipeline.command_stack
    if not stack and not pipeline.watching:
        return None
    transaction = _is_transaction(pipeline) or pipeline.explicit_transaction
    texts = [_placeholders(_command_name(args[0]), len(args) - 1) for args, _ in stack]
    query = "\n".join(texts)
    if len(query) > MAX_QUERY_TEXT:
        query = query[: MAX_QUERY_TEXT - 3] + "..."
    return Command("MULTI" if transaction else "PIPELINE", query, len(stack))


def connection_attributes(client: Any) -> dict[str, str | int]:
    """``db.system.name``, ``db.namespace``, ``server.address``/``port`` from the pool's
    connection settings (which hold the password too: only these keys are read)."""
    settings = client.connection_pool.connection_kwargs
    attributes: dict[str, str | int] = {
        db_attributes.DB_SYSTEM_NAME: _REDIS,
        db_attributes.DB_NAMESPACE: str(settings.get("db") or 0),
    }
    if "path" in settings:
        attributes[server_attributes.SERVER_ADDRESS] = str(settings["path"])
        return attributes
    attributes[server_attributes.SERVER_ADDRESS] = str(settings.get("host", "localhost"))
    attributes[server_attributes.SERVER_PORT] = int(settings.get("port", 6379))
    return attributes


def _is_transaction(pipeline: Any) -> bool:
    """The asyncio pipeline says ``is_transaction``; the sync one ``transaction`` (which on the
    asyncio class is a method, so the order of these checks matters)."""
    if hasattr(pipeline, "is_transaction"):
        return bool(pipeline.is_transaction)
    return bool(pipeline.transaction)


def _command_name(raw: Any) -> str:
    name = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return name.upper()


def _placeholders(name: str, argument_count: int) -> str:
    return name + " ?" * argument_count
