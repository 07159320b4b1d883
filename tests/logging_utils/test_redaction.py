"""Which fields and text fragments count as secrets."""

from __future__ import annotations

import pytest

from huleedu_service_libs._shared.redaction import (
    REDACTED,
    is_secret_key,
    redact_mapping,
    redact_text,
)


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "PASSWORD",
        "db_password",
        "passwd",
        "token",
        "access_token",
        "refreshToken",
        "api_key",
        "apiKey",
        "X-Api-Key",
        "APIKey",
        "authorization",
        "Authorization",
        "secret",
        "client_secret",
        "secretKey",
        "cookie",
        "Set-Cookie",
    ],
)
def test_credential_names_are_secret_in_any_case_and_spelling(key: str) -> None:
    """The well-known credential words, alone or as a word of a longer name."""
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["prompt_tokens", "user_id", "keyboard", "author", "passenger"])
def test_names_that_only_contain_the_letters_are_not_secret(key: str) -> None:
    """Counting words, not substrings, keeps ordinary fields readable."""
    assert not is_secret_key(key)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://app:s3cret@db:5432/x", f"postgresql://app:{REDACTED}@db:5432/x"),
        ("redis://:pw@cache:6379/0", f"redis://:{REDACTED}@cache:6379/0"),
        ("GET /x?api_key=abc&page=2", f"GET /x?api_key={REDACTED}&page=2"),
        ('login password="two words" ok', f"login password={REDACTED} ok"),
        ("Authorization: Bearer abc.def", f"Authorization: {REDACTED} {REDACTED}"),
        ("sent with Bearer abc.def", f"sent with Bearer {REDACTED}"),
        ("http://host:8080/path user_id=5", "http://host:8080/path user_id=5"),
    ],
)
def test_secrets_inside_text_are_masked(text: str, expected: str) -> None:
    """URL passwords, secret ``name=value`` pairs and bearer credentials are masked."""
    assert expected == redact_text(text)


def test_nested_mappings_and_lists_are_masked_at_every_level() -> None:
    """Secrets deep inside dicts and lists are found; other values pass unchanged."""
    fields = {"headers": {"Authorization": "Bearer x"}, "urls": ["amqp://u:p@h"], "n": 3}

    assert {
        "headers": {"Authorization": REDACTED},
        "urls": [f"amqp://u:{REDACTED}@h"],
        "n": 3,
    } == redact_mapping(fields)
