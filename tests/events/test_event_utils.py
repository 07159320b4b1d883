"""Event utils: the seed's helpers, and their answers for malformed input."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huleedu_service_libs import EventEnvelope
from huleedu_service_libs.event_utils import (
    extract_correlation_id_as_string,
    extract_correlation_id_from_event,
    extract_user_id_from_event_data,
    generate_deterministic_event_id,
)


def _wire(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


def test_event_id_comes_from_the_envelope_so_reserialization_keeps_it() -> None:
    """The same envelope with other metadata (a republish) has the same deterministic id."""
    envelope = EventEnvelope[dict[str, int]](event_type="X", source_service="s", data={"a": 1})
    republished = envelope.model_copy(update={"metadata": {"traceparent": "00-x"}})
    first = generate_deterministic_event_id(envelope.model_dump_json().encode())
    assert str(envelope.event_id) == first
    assert first == generate_deterministic_event_id(republished.model_dump_json().encode())


def test_event_id_falls_back_to_a_content_hash() -> None:
    """Without a valid envelope event id the id is the SHA-256 of the bytes."""
    raw = _wire(event_id="not-a-uuid", data=1)
    assert hashlib.sha256(raw).hexdigest() == generate_deterministic_event_id(raw)


@pytest.mark.parametrize(
    "raw",
    [b"\xff\xfe not utf-8", b"{not json", b"[1, 2]", b"null", b"", b"[" * 100_000,
     b'{"event_id": 5}', b'{"event_id": "' + b"a" * 5000 + b'"}', b" " * (2 << 20)],
)  # fmt: skip
def test_malformed_values_get_a_stable_id_and_no_correlation_id(raw: bytes) -> None:
    """Not UTF-8, not JSON, wrong shapes, deep nesting, huge: a stable id, never an exception."""
    assert generate_deterministic_event_id(raw) == generate_deterministic_event_id(raw)
    assert extract_correlation_id_from_event(raw) is None


@given(st.binary(max_size=512))
def test_any_bytes_give_an_id_and_never_raise(raw: bytes) -> None:
    """Property: whatever arrives, the helpers answer (id text; a correlation id or None)."""
    assert len(generate_deterministic_event_id(raw)) > 0
    assert extract_correlation_id_from_event(raw) in (None, *_texts(raw))


def _texts(raw: bytes) -> tuple[str, ...]:
    try:
        found = json.loads(raw).get("correlation_id")
    except Exception:
        return ()
    return (found.strip(),) if isinstance(found, str) else ()


def test_correlation_id_is_read_from_the_envelope() -> None:
    corr = str(uuid.uuid4())
    assert corr == extract_correlation_id_from_event(_wire(correlation_id=corr))


@pytest.mark.parametrize(
    ("given_id", "expected"),
    [(uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"), (" abc ", "abc"),
     ("", None), (None, None), (42, None), ({"x": 1}, None)],
)  # fmt: skip
def test_correlation_id_as_string(given_id: Any, expected: str | None) -> None:
    """A UUID or non-blank text becomes text; anything else is None."""
    assert expected == extract_correlation_id_as_string(given_id)


class _Payload:
    user_id = "u-1"


class _Broken:
    @property
    def user_id(self) -> str:
        raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("data", "expected"),
    [({"user_id": "u-1"}, "u-1"), (_Payload(), "u-1"), ({"user_id": 7}, "7"),
     ({"user_id": True}, None), ({}, None), (None, None), ("text", None), (_Broken(), None)],
)  # fmt: skip
def test_user_id_from_event_data(data: Any, expected: str | None) -> None:
    """Mappings and models give their user_id; other shapes (or a raising property) give None."""
    assert expected == extract_user_id_from_event_data(data)
