"""The database URL a service connects with, from the platform's environment variables.

In order: ``{PREFIX}_DATABASE_URL``, then ``SERVICE_DATABASE_URL`` (either given in full wins);
in production ``HULEEDU_PROD_DB_HOST`` / ``HULEEDU_PROD_DB_PORT`` / ``HULEEDU_PROD_DB_PASSWORD``
with ``HULEEDU_DB_USER``; elsewhere ``HULEEDU_DB_USER`` / ``HULEEDU_DB_PASSWORD`` on the
service's development host and port. Missing credentials raise a ``ValueError`` that names the
variables, never a value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import quote

from huleedu_service_libs._shared import redaction as _redaction

__all__ = ["build_database_url", "mask_database_url"]

_SCHEME = "postgresql+asyncpg"
_DEFAULT_PROD_PORT = "5432"


def build_database_url(
    *,
    database_name: str,
    service_env_var_prefix: str,
    is_production: bool,
    dev_port: int,
    dev_host: str = "localhost",
    url_encode_password: bool = True,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The asyncpg URL for ``database_name``; it holds the password, so never log it as is."""
    env = os.environ if environ is None else environ
    overrides = (f"{service_env_var_prefix.upper()}_DATABASE_URL", "SERVICE_DATABASE_URL")
    for name in overrides:
        if env.get(name):
            return env[name]
    if is_production:
        names = ("HULEEDU_DB_USER", "HULEEDU_PROD_DB_PASSWORD", "HULEEDU_PROD_DB_HOST")
        user, password, host = _required(env, names, overrides)
        port = env.get("HULEEDU_PROD_DB_PORT") or _DEFAULT_PROD_PORT
    else:
        user, password = _required(env, ("HULEEDU_DB_USER", "HULEEDU_DB_PASSWORD"), overrides)
        host, port = dev_host, str(dev_port)
    secret = quote(password, safe="") if url_encode_password else password
    return f"{_SCHEME}://{quote(user, safe='')}:{secret}@{host}:{port}/{database_name}"


def mask_database_url(url: str) -> str:
    """``url`` with its password masked (``postgresql://app:[REDACTED]@db/x``), safe to log."""
    return _redaction.redact_text(url)


def _required(
    env: Mapping[str, str], names: tuple[str, ...], overrides: tuple[str, str]
) -> list[str]:
    missing = [name for name in names if not env.get(name)]
    if missing:
        raise ValueError(
            f"Database credentials are missing: set {', '.join(missing)} "
            f"(or a full URL in {' or '.join(overrides)})"
        )
    return [env[name] for name in names]
