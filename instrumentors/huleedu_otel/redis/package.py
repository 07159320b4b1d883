"""The redis-py versions this instrumentor supports (asyncio and sync clients)."""

_instruments = ("redis >= 5.2",)
