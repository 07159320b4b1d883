"""An essay service written the way the seed recommends, with no telemetry code of its own.

HTTP (Quart on ``HuleEduApp``) → PostgreSQL or SQLite (SQLAlchemy async; the essay and its
``EssaySubmitted`` event commit in one transaction, through the outbox) → Kafka (the outbox
relay, through ``KafkaBus``) → an idempotent consumer → Redis (``RedisClient``), plus an
external grader behind a circuit breaker. Run it under ``opentelemetry-instrument``: every
span, metric and log line comes from the library and its instrumentors.

- ``huleedu_otel.tools.examples.essay_service.app:app``: the ASGI app (hypercorn serves it);
- ``python -m huleedu_otel.tools.examples.essay_service.consumer``: the consumer on its own.
"""
