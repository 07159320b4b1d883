"""The error-handling example service as a module-level app, for ``opentelemetry-instrument``."""

from tests.error_handling._apps import create_app

app = create_app()
