"""``SecureServiceSettings`` and the database URL rules, with secrets kept out of str/repr."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from huleedu_service_libs.config import Environment, SecureServiceSettings
from huleedu_service_libs.config.database_utils import build_database_url

PASSWORD = "p@ss:w/rd#1"
DB_ENV = (
    "ENVIRONMENT",
    "HULEEDU_DB_USER",
    "HULEEDU_DB_PASSWORD",
    "HULEEDU_PROD_DB_HOST",
    "HULEEDU_PROD_DB_PORT",
    "HULEEDU_PROD_DB_PASSWORD",
    "HULEEDU_INTERNAL_API_KEY",
    "SERVICE_DATABASE_URL",
    "ESSAY_SERVICE_DATABASE_URL",
)


class EssaySettings(SecureServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ESSAY_SERVICE_")

    LOG_LEVEL: str = "INFO"
    REDIS_URL: str = "redis://localhost:6379/0"
    LLM_API_TOKEN: str = "tok-plain"


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in DB_ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("value", "checks"),
    [
        ("production", (True, False, False, False, True)),
        ("staging", (False, True, False, False, True)),
        ("development", (False, False, True, False, False)),
        ("testing", (False, False, False, True, False)),
    ],
)
def test_environment_predicates(
    clean: pytest.MonkeyPatch, value: str, checks: tuple[bool, ...]
) -> None:
    clean.setenv("ENVIRONMENT", value)
    settings = EssaySettings()
    assert settings.ENVIRONMENT is Environment(value)
    assert checks == (
        settings.is_production(),
        settings.is_staging(),
        settings.is_development(),
        settings.is_testing(),
        settings.requires_security(),
    )


def test_the_default_environment_is_development() -> None:
    assert EssaySettings().ENVIRONMENT is Environment.DEVELOPMENT


def test_platform_secrets_are_read_by_their_names_whatever_the_prefix(
    clean: pytest.MonkeyPatch,
) -> None:
    clean.setenv("HULEEDU_DB_PASSWORD", PASSWORD)
    clean.setenv("HULEEDU_INTERNAL_API_KEY", "internal-key-9")
    settings = EssaySettings()
    assert isinstance(settings.DB_PASSWORD, SecretStr)
    assert settings.DB_PASSWORD.get_secret_value() == PASSWORD
    assert settings.INTERNAL_API_KEY is not None
    assert settings.INTERNAL_API_KEY.get_secret_value() == "internal-key-9"


def test_str_and_repr_never_show_a_secret(clean: pytest.MonkeyPatch) -> None:
    clean.setenv("HULEEDU_DB_PASSWORD", PASSWORD)
    clean.setenv("HULEEDU_INTERNAL_API_KEY", "internal-key-9")
    clean.setenv("ESSAY_SERVICE_REDIS_URL", "redis://:redis-pw-3@cache:6379/0")
    settings = EssaySettings()
    for text in (str(settings), repr(settings)):
        for secret in (PASSWORD, "internal-key-9", "redis-pw-3", "tok-plain"):
            assert secret not in text
        assert "LOG_LEVEL='INFO'" in text
        assert "cache:6379" in text


def test_development_url_from_user_and_password_encoded(clean: pytest.MonkeyPatch) -> None:
    clean.setenv("HULEEDU_DB_USER", "essay")
    clean.setenv("HULEEDU_DB_PASSWORD", PASSWORD)
    url = EssaySettings().build_database_url(
        database_name="essays", service_env_var_prefix="ESSAY_SERVICE", dev_port=5433
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.hostname, parts.port, parts.path) == (
        "postgresql+asyncpg",
        "localhost",
        5433,
        "/essays",
    )
    assert parts.password == "p%40ss%3Aw%2Frd%231"
    masked = EssaySettings().database_url_masked(url)
    assert "p%40ss" not in masked
    assert masked == "postgresql+asyncpg://essay:[REDACTED]@localhost:5433/essays"


def test_production_url_uses_the_production_variables(clean: pytest.MonkeyPatch) -> None:
    for name, value in {
        "ENVIRONMENT": "production",
        "HULEEDU_DB_USER": "essay",
        "HULEEDU_DB_PASSWORD": "dev-only",
        "HULEEDU_PROD_DB_HOST": "db.prod",
        "HULEEDU_PROD_DB_PORT": "6432",
        "HULEEDU_PROD_DB_PASSWORD": "prod-pw",
    }.items():
        clean.setenv(name, value)
    url = EssaySettings().build_database_url(
        database_name="essays", service_env_var_prefix="essay_service", dev_port=5433
    )
    assert url == "postgresql+asyncpg://essay:prod-pw@db.prod:6432/essays"


def test_a_full_url_wins_the_service_one_before_the_shared_one(
    clean: pytest.MonkeyPatch,
) -> None:
    clean.setenv("SERVICE_DATABASE_URL", "postgresql+asyncpg://shared@h/db")
    kwargs = {"database_name": "essays", "service_env_var_prefix": "ESSAY_SERVICE", "dev_port": 1}
    assert EssaySettings().build_database_url(**kwargs) == "postgresql+asyncpg://shared@h/db"  # type: ignore[arg-type]
    clean.setenv("ESSAY_SERVICE_DATABASE_URL", "postgresql+asyncpg://own@h/db")
    assert EssaySettings().build_database_url(**kwargs) == "postgresql+asyncpg://own@h/db"  # type: ignore[arg-type]


def test_missing_credentials_name_the_variables_and_no_value(clean: pytest.MonkeyPatch) -> None:
    clean.setenv("HULEEDU_DB_PASSWORD", PASSWORD)
    with pytest.raises(ValueError, match="HULEEDU_DB_USER") as caught:
        build_database_url(
            database_name="essays",
            service_env_var_prefix="ESSAY_SERVICE",
            is_production=False,
            dev_port=5433,
        )
    assert PASSWORD not in str(caught.value)
    with pytest.raises(ValueError, match="HULEEDU_PROD_DB_PASSWORD, HULEEDU_PROD_DB_HOST"):
        build_database_url(
            database_name="essays",
            service_env_var_prefix="ESSAY_SERVICE",
            is_production=True,
            dev_port=5433,
            environ={"HULEEDU_DB_USER": "essay"},
        )


def test_the_password_may_be_left_unencoded() -> None:
    url = build_database_url(
        database_name="x",
        service_env_var_prefix="S",
        is_production=False,
        dev_port=1,
        dev_host="db",
        url_encode_password=False,
        environ={"HULEEDU_DB_USER": "u", "HULEEDU_DB_PASSWORD": "a+b"},
    )
    assert url == "postgresql+asyncpg://u:a+b@db:1/x"


def test_a_password_given_to_the_settings_builds_the_development_url(
    clean: pytest.MonkeyPatch,
) -> None:
    clean.setenv("HULEEDU_DB_USER", "essay")
    settings = EssaySettings(DB_PASSWORD=SecretStr("given-pw"), ENVIRONMENT=Environment.TESTING)
    url = settings.build_database_url(
        database_name="essays", service_env_var_prefix="ESSAY_SERVICE", dev_port=5433
    )
    assert url == "postgresql+asyncpg://essay:given-pw@localhost:5433/essays"
    assert "given-pw" not in repr(settings)
