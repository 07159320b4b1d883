"""Service settings on pydantic-settings, with the platform's secrets and database URL rules.

``SecureServiceSettings`` is the base class; ``config.database_utils`` has the URL builder as
a function for code that has no settings object.
"""

from __future__ import annotations

from huleedu_service_libs.config._settings import Environment, SecureServiceSettings

__all__ = ["Environment", "SecureServiceSettings"]
