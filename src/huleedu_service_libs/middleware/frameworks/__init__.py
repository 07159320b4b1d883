"""One module per web framework the services use (Quart only)."""
