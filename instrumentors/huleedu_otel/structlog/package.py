"""The structlog versions this instrumentor supports."""

_instruments = ("structlog >= 25.3",)
