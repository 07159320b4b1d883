"""Histogram boundaries in seconds for database work (semconv advice; the SDK's are in ms)."""

DB_SECONDS: tuple[float, ...] = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0)
