"""Bad input, events: whatever bytes arrive, the envelope and event utils answer predictably.

``EventEnvelope`` parsing is where the caller must know: anything that is not an envelope raises
pydantic's ``ValidationError`` (a ``ValueError``) and nothing else. The event utils never raise:
a stable id, and ``None`` where the value has no usable correlation id.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from huleedu_service_libs import EventEnvelope
from huleedu_service_libs.event_utils import (
    extract_correlation_id_from_event,
    extract_user_id_from_event_data,
    generate_deterministic_event_id,
)
from tests.reliability._fuzz import fuzz_settings


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)


_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
_json_values = st.recursive(_scalars | st.text(max_size=40), _containers, max_leaves=12)
_envelope_like = st.fixed_dictionaries(
    {},
    optional={
        "event_id": st.uuids().map(str) | st.text(max_size=40) | st.integers(),
        "event_type": st.text(max_size=20) | st.integers(),
        "event_timestamp": st.datetimes().map(str) | st.text(max_size=30),
        "source_service": st.text(max_size=20),
        "correlation_id": st.uuids().map(str) | st.text(max_size=300) | _json_values,
        "data": _json_values,
        "metadata": st.dictionaries(st.text(max_size=20), _json_values, max_size=3),
    },
)
#: Raw record values: arbitrary bytes, or JSON that looks more or less like an envelope.
record_values = st.one_of(
    st.binary(max_size=2048),
    _envelope_like.map(lambda d: json.dumps(d).encode()),
    _envelope_like.map(lambda d: json.dumps(d).encode()[:-3]),  # truncated mid-document
)


def parse(raw: bytes) -> EventEnvelope[Any] | None:
    """The envelope in ``raw``, ``None`` when pydantic refused it (the caller's typed error)."""
    try:
        return EventEnvelope[Any].model_validate_json(raw)
    except ValidationError:
        return None


@fuzz_settings(300)
@given(record_values)
def test_envelope_parsing_either_succeeds_or_raises_validation_error(raw: bytes) -> None:
    """Property: arbitrary bytes give an envelope or ``ValidationError``, never another error,
    and an envelope that parsed survives its own round trip."""
    envelope = parse(raw)
    if envelope is not None:
        assert envelope == EventEnvelope[Any].model_validate_json(envelope.model_dump_json())


@fuzz_settings(300)
@given(record_values)
def test_event_utils_never_raise_and_ids_are_stable(raw: bytes) -> None:
    """Property: every value has one id, the same every time, and it is the envelope's own
    event id exactly when the value parses as an envelope with a valid one."""
    first = generate_deterministic_event_id(raw)
    assert first == generate_deterministic_event_id(raw)
    correlation = extract_correlation_id_from_event(raw)
    assert correlation is None or 0 < len(correlation) <= 256
    envelope = parse(raw)
    if envelope is not None and _has_uuid_event_id(raw):
        assert str(envelope.event_id) == first


def _has_uuid_event_id(raw: bytes) -> bool:
    event_id = json.loads(raw).get("event_id")
    try:
        return isinstance(event_id, str) and bool(uuid.UUID(event_id))
    except ValueError:
        return False


@fuzz_settings(100)
@given(_json_values | st.builds(object))
def test_user_id_extraction_answers_text_or_none(data: Any) -> None:
    """Property: any payload gives a user id text or ``None``."""
    found = extract_user_id_from_event_data(data)
    assert found is None or isinstance(found, str)


@pytest.mark.parametrize(
    ("what", "raw"),
    [
        ("10 MB of JSON string", b'{"event_id": "' + b"x" * (10 << 20) + b'"}'),
        ("nesting 100k deep", b'{"data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
        ("NUL bytes and invalid UTF-8", b'{"event_type": "\x00\xff\xfe"}'),
        ("a lone surrogate escape", b'{"event_type": "\\udcff", "source_service": "s", "data": 1}'),
    ],
)
def test_hostile_values_are_refused_with_a_validation_error(what: str, raw: bytes) -> None:
    """Huge, deeply nested and non-UTF-8 values are refused the same typed way, and the event
    utils still answer (a content hash, no correlation id)."""
    with pytest.raises(ValidationError):
        EventEnvelope[Any].model_validate_json(raw)
    assert len(generate_deterministic_event_id(raw)) == 64
    assert extract_correlation_id_from_event(raw) is None
