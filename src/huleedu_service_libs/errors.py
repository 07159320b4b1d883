"""The library's one error tree.

Every public error derives from :class:`HuleEduError`. Errors raised because a vendor
library (aiokafka, redis-py, SQLAlchemy) failed wrap that error as ``__cause__``
(``raise ... from exc``), so callers catch ours and still see the original::

    HuleEduError
    ├── CircuitBreakerError          a call was refused by an open or saturated breaker
    ├── InfrastructureNotConfiguredError  a HuleEduApp's guaranteed attribute was never set
    ├── MessagingError
    │   ├── KafkaNotStartedError     publish before start()
    │   ├── KafkaUnavailableError    start() could not reach the brokers
    │   ├── EventSerializationError  the envelope cannot be turned into bytes
    │   └── KafkaPublishError        the broker did not acknowledge in time, or refused
    ├── RedisClientError
    │   ├── RedisNotStartedError     a command before start()
    │   └── RedisUnavailableError    connection refused, timed out or lost
    └── IdempotencyError
        ├── DuplicateInProgressError another worker holds the event (retryable)
        ├── IdempotencyLeaseLostError the claim was lost while the handler ran (retryable)
        └── IdempotencyStoreUnavailableError  the store is down and the policy is fail-closed
"""

from __future__ import annotations


class HuleEduError(Exception):
    """Base of every error this library raises."""


class CircuitBreakerError(HuleEduError):
    """A call was not attempted because the circuit breaker refused it."""


class InfrastructureNotConfiguredError(HuleEduError, AttributeError):
    """A ``HuleEduApp``'s guaranteed infrastructure (``database_engine``, ``container``) is unset.

    Also an ``AttributeError``, so ``hasattr(app, "database_engine")`` stays truthful.
    """


class MessagingError(HuleEduError):
    """Base of the Kafka errors."""


class KafkaNotStartedError(MessagingError):
    """``publish`` was called before ``start()`` or after ``stop()``."""


class KafkaUnavailableError(MessagingError):
    """``start()`` could not reach any bootstrap broker; the producer was not started."""


class EventSerializationError(MessagingError):
    """The envelope could not be serialized; nothing was sent."""


class KafkaPublishError(MessagingError):
    """The broker did not acknowledge the message within the delivery timeout, or refused it.

    After a timeout the outcome is unknown, not negative: a broker that answers late, or the
    producer's own retry, may still write the record. Publishing it again can therefore
    duplicate it; consumers absorb that with ``idempotent_consumer``.
    """


class RedisClientError(HuleEduError):
    """Base of the Redis errors."""


class RedisNotStartedError(RedisClientError):
    """A command was issued before ``start()`` or after ``stop()``."""


class RedisUnavailableError(RedisClientError):
    """The Redis server could not be reached, or the connection was lost."""


class IdempotencyError(HuleEduError):
    """Base of the idempotent-consumer errors."""


class DuplicateInProgressError(IdempotencyError):
    """The same event is being processed elsewhere; redeliver it later instead of dropping it."""

    retryable = True


class IdempotencyLeaseLostError(IdempotencyError):
    """The handler finished, but its claim on the event was lost meanwhile (a Redis failover, a
    stalled process, a dropped database connection), so the event was not marked done.

    Let the message be redelivered: whoever holds the event now finishes it, or the next
    delivery runs it again.
    """

    retryable = True


class IdempotencyStoreUnavailableError(IdempotencyError):
    """The dedupe store is unreachable and the consumer is configured to fail closed."""
