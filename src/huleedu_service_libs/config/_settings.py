"""``SecureServiceSettings``: the base of a service's pydantic-settings, secrets kept secret."""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Any

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from huleedu_service_libs._shared import redaction as _redaction
from huleedu_service_libs.config import database_utils as _database

__all__ = ["Environment", "SecureServiceSettings"]


class Environment(StrEnum):
    DEVELOPMENT = "development"
    STAGING = "staging"
    PRODUCTION = "production"
    TESTING = "testing"


class SecureServiceSettings(BaseSettings):
    """Subclass it with the service's own fields (and its ``env_prefix``).

    ``ENVIRONMENT``, ``HULEEDU_DB_PASSWORD`` and ``HULEEDU_INTERNAL_API_KEY`` are read under
    those names whatever the prefix. ``str()`` and ``repr()`` mask every secret: ``SecretStr``
    fields, fields with a credential word in their name, and passwords inside URLs.
    """

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, populate_by_name=True)

    ENVIRONMENT: Environment = Field(
        default=Environment.DEVELOPMENT, validation_alias=AliasChoices("ENVIRONMENT")
    )
    DB_PASSWORD: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("HULEEDU_DB_PASSWORD")
    )
    INTERNAL_API_KEY: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("HULEEDU_INTERNAL_API_KEY")
    )

    def is_production(self) -> bool:
        return self.ENVIRONMENT is Environment.PRODUCTION

    def is_staging(self) -> bool:
        return self.ENVIRONMENT is Environment.STAGING

    def is_development(self) -> bool:
        return self.ENVIRONMENT is Environment.DEVELOPMENT

    def is_testing(self) -> bool:
        return self.ENVIRONMENT is Environment.TESTING

    def requires_security(self) -> bool:
        """Production and staging: where secrets must come from the environment."""
        return self.ENVIRONMENT in (Environment.PRODUCTION, Environment.STAGING)

    def build_database_url(
        self,
        *,
        database_name: str,
        service_env_var_prefix: str,
        dev_port: int,
        dev_host: str = "localhost",
        url_encode_password: bool = True,
    ) -> str:
        """See :func:`huleedu_service_libs.config.database_utils.build_database_url`; a
        ``DB_PASSWORD`` given to these settings stands in for ``HULEEDU_DB_PASSWORD``."""
        environ = dict(os.environ)
        if self.DB_PASSWORD is not None:
            environ.setdefault("HULEEDU_DB_PASSWORD", self.DB_PASSWORD.get_secret_value())
        return _database.build_database_url(
            database_name=database_name,
            service_env_var_prefix=service_env_var_prefix,
            is_production=self.is_production(),
            dev_port=dev_port,
            dev_host=dev_host,
            url_encode_password=url_encode_password,
            environ=environ,
        )

    def database_url_masked(self, url: str) -> str:
        """``url`` with its password masked, for logs and start-up banners."""
        return _database.mask_database_url(url)

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            yield name, _masked(name, value)


def _masked(name: str | None, value: Any) -> Any:
    if isinstance(value, SecretStr) or value is None:
        return value  # renders as '**********' / None
    if name is not None and _redaction.is_secret_key(name):
        return _redaction.REDACTED
    if isinstance(value, str):
        return _redaction.redact_text(value)
    return value
