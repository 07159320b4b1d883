"""Turn what the demo received into something a newcomer can read in a terminal."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord

from huleedu_otel.receiver import ReceivedSpan, attributes_of

_KINDS = {1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
_SCOPE_LABELS = re.compile(r',?otel_scope_(?:name|version|schema_url)="[^"]*"')

#: The series a newcomer should look at first, by Prometheus name prefix.
KEY_SERIES = (
    "http_server_request_duration_seconds_count",
    "db_client_operation_duration_seconds_count",
    "db_client_connection_count",
    "messaging_client_sent_messages_total",
    "messaging_client_consumed_messages_total",
    "idempotency_messages_total",
    "circuit_breaker_state",
    "circuit_breaker_calls_total",
    "circuit_breaker_state_transitions_total",
    "huleedu_outbox_events_total",
    "huleedu_outbox_delay_seconds_count",
    "target_info",
)


def trace_of_first(spans: Sequence[ReceivedSpan], name: str) -> str:
    """The trace id of the earliest span called ``name`` (empty when there is none)."""
    matching = sorted(
        (s for s in spans if s.name == name), key=lambda s: s.span.start_time_unix_nano
    )
    return matching[0].trace_id if matching else ""


def waterfall(spans: list[ReceivedSpan], width: int = 36) -> list[str]:
    """One line per span, indented under its parent, with a bar on a shared time axis."""
    if not spans:
        return ["(no spans received)"]
    start = min(s.span.start_time_unix_nano for s in spans)
    end = max(s.span.end_time_unix_nano for s in spans)
    scale = width / max(end - start, 1)
    ids = {s.span.span_id for s in spans}
    children: dict[bytes, list[ReceivedSpan]] = {}
    roots: list[ReceivedSpan] = []
    for s in sorted(spans, key=lambda s: s.span.start_time_unix_nano):
        parent = s.span.parent_span_id
        (children.setdefault(parent, []) if parent in ids else roots).append(s)
    lines: list[str] = []

    def draw(s: ReceivedSpan, depth: int) -> None:
        offset = int((s.span.start_time_unix_nano - start) * scale)
        length = max(1, int((s.span.end_time_unix_nano - s.span.start_time_unix_nano) * scale))
        millis = (s.span.end_time_unix_nano - s.span.start_time_unix_nano) / 1e6
        label = f"{'  ' * depth}{s.name} [{_KINDS.get(s.span.kind, '?')}]"
        lines.append(f"{label:<52.52} {' ' * offset + '█' * length:<{width}} {millis:8.2f} ms")
        for child in children.get(s.span.span_id, []):
            draw(child, depth + 1)

    for root in roots:
        draw(root, 0)
    return lines


def metric_lines(exposition: str, prefixes: Iterable[str]) -> list[str]:
    """The samples whose names start with one of ``prefixes``, without the scope labels."""
    wanted = tuple(prefixes)
    return [
        _SCOPE_LABELS.sub("", line).replace("{,", "{")
        for line in exposition.splitlines()
        if line.startswith(wanted)
    ]


def log_lines(records: Sequence[LogRecord], trace_id: str, limit: int = 20) -> list[str]:
    """Log records of ``trace_id`` first, then others that carry a trace id."""
    traced = [r for r in records if bytes(r.trace_id)]
    ordered = sorted(traced, key=lambda r: (bytes(r.trace_id).hex() != trace_id, r.time_unix_nano))
    return [_log_line(r) for r in ordered[:limit]]


def _log_line(record: LogRecord) -> str:
    attributes = attributes_of(record.attributes)
    body = record.body.string_value or str(attributes.get("event", ""))
    return (
        f"trace_id={bytes(record.trace_id).hex()} span_id={bytes(record.span_id).hex()} "
        f"{record.severity_text or '-':<7} {body}"
    )
