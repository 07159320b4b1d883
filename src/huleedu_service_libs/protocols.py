"""The seams services depend on: one Protocol per client, so tests inject fakes at our ports.

Depend on these, not on the concrete classes (``RedisClientProtocol``, not ``RedisClient``).
"""

from __future__ import annotations

# --- Messaging: KafkaPublisherProtocol (KafkaBus) ---

# --- Redis: RedisClientProtocol, AtomicRedisClientProtocol, RedisPubSubProtocol ---

# --- Resilience ---
