"""The one rule for incoming correlation ids, the same on text and on raw header bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huleedu_service_libs._shared.correlation_rule import accepts, accepts_bytes


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("req-2026.11:abc_1", True),
        ("6f1c1f5e-0a4b-4c4e-9a57-2f0c3c2d9b10", True),
        ("x" * 128, True),
        ("x" * 129, False),
        ("", False),
        ("a b", False),
        ("abc;Set-Cookie=a", False),
        ("<script>", False),
        ("caf\u00e9", False),
    ],
)
def test_short_harmless_ids_are_accepted(value: str, accepted: bool) -> None:
    assert (accepts(value), accepts_bytes(value.encode("utf-8"))) == (accepted, accepted)


def test_nothing_is_not_accepted() -> None:
    assert (accepts(None), accepts_bytes(None)) == (False, False)


@given(st.text(max_size=140))
def test_text_and_bytes_decide_alike(value: str) -> None:
    assert accepts(value) == accepts_bytes(value.encode("utf-8"))
