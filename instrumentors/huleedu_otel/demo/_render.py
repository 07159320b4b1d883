"""Turn what the demo received into something a newcomer can read in a terminal."""

from __future__ import annotations

from collections.abc import Iterable

from huleedu_otel.receiver import ReceivedSpan

_KINDS = {1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


def waterfall(spans: list[ReceivedSpan], width: int = 40) -> list[str]:
    """One line per span, indented under its parent, with a bar on a shared time axis."""
    if not spans:
        return ["(no spans received)"]
    start = min(s.span.start_time_unix_nano for s in spans)
    end = max(s.span.end_time_unix_nano for s in spans)
    scale = width / max(end - start, 1)
    children: dict[bytes, list[ReceivedSpan]] = {}
    ids = {s.span.span_id for s in spans}
    roots = []
    for s in sorted(spans, key=lambda s: s.span.start_time_unix_nano):
        parent = s.span.parent_span_id
        if parent and parent in ids:
            children.setdefault(parent, []).append(s)
        else:
            roots.append(s)
    lines: list[str] = []

    def draw(s: ReceivedSpan, depth: int) -> None:
        offset = int((s.span.start_time_unix_nano - start) * scale)
        length = max(1, int((s.span.end_time_unix_nano - s.span.start_time_unix_nano) * scale))
        millis = (s.span.end_time_unix_nano - s.span.start_time_unix_nano) / 1e6
        label = f"{'  ' * depth}{s.name} [{_KINDS.get(s.span.kind, '?')}]"
        bar = " " * offset + "█" * length
        lines.append(f"{label:<48} {bar:<{width}} {millis:8.2f} ms")
        for child in children.get(s.span.span_id, []):
            draw(child, depth + 1)

    for root in roots:
        draw(root, 0)
    return lines


def metric_lines(exposition: str, prefixes: Iterable[str]) -> list[str]:
    """The samples of a Prometheus exposition whose names start with one of ``prefixes``."""
    wanted = tuple(prefixes)
    return [
        line
        for line in exposition.splitlines()
        if line and not line.startswith("#") and line.startswith(wanted)
    ]
