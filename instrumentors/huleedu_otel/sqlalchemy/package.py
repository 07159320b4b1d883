"""The SQLAlchemy versions this instrumentor supports (checked by the launcher)."""

_instruments = ("sqlalchemy >= 2.0, < 2.2",)
