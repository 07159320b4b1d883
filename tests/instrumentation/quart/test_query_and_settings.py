"""The pure parts: query redaction and what the environment configures."""

from __future__ import annotations

import pytest

from huleedu_otel.quart._settings import QuartSettings
from huleedu_service_libs._shared.redaction import redact_query


@pytest.mark.parametrize(
    ("query", "recorded"),
    [
        ("page=2&sort=asc", "page=2&sort=asc"),
        ("password=hunter2&user=bo", "password=[REDACTED]&user=bo"),
        (
            "access_token=a&refresh_token=b&id=1",
            "access_token=[REDACTED]&refresh_token=[REDACTED]&id=1",
        ),
        ("API-KEY=k1&apikey=k2&key=k3", "API-KEY=[REDACTED]&apikey=[REDACTED]&key=[REDACTED]"),
        ("keyboard=qwerty&monkey=1", "keyboard=qwerty&monkey=1"),
        ("X-Amz-Signature=abc&sig=def", "X-Amz-Signature=[REDACTED]&sig=[REDACTED]"),
        ("client_secret=s&code=c", "client_secret=[REDACTED]&code=[REDACTED]"),
        ("pass%77ord=hunter2", "pass%77ord=[REDACTED]"),
        ("flag&token=t", "flag&token=[REDACTED]"),
        ("q=%E2%9C%93&token=", "q=%E2%9C%93&token=[REDACTED]"),
    ],
)
def test_secret_query_values_are_redacted_and_the_rest_kept_as_sent(
    query: str, recorded: str
) -> None:
    """Names are matched case-insensitively, percent-decoded, ``-`` read as ``_``."""
    assert redact_query(query) == recorded


def test_default_exclusions_cover_probes_and_metrics_only() -> None:
    """Without variables: probes and /metrics, not paths that merely contain those words."""
    settings = QuartSettings.from_env({})

    probes = ("/healthz", "/health", "/livez", "/readyz", "/metrics")
    assert all(settings.is_excluded(path) for path in probes)
    assert not settings.is_excluded("/essays/healthz-report")
    assert not settings.is_excluded("/metrics/essays")


def test_set_but_empty_exclusion_variable_excludes_nothing() -> None:
    """An explicit empty value switches the defaults off."""
    settings = QuartSettings.from_env({"OTEL_PYTHON_QUART_EXCLUDED_URLS": ""})

    assert not settings.is_excluded("/healthz")


def test_explicit_excluded_urls_argument_beats_the_environment() -> None:
    """``instrument_app(app, excluded_urls=...)`` wins over both variables."""
    env = {"OTEL_PYTHON_QUART_EXCLUDED_URLS": "/a", "OTEL_PYTHON_EXCLUDED_URLS": "/b"}
    settings = QuartSettings.from_env(env, excluded_urls="/c")

    assert [settings.is_excluded(p) for p in ("/a", "/b", "/c")] == [False, False, True]
