"""Messaging attribute names and values from the OpenTelemetry semantic conventions."""

from __future__ import annotations

from typing import Final

from huleedu_service_libs._shared.errors_metric import code_of

SYSTEM: Final = "messaging.system"
KAFKA: Final = "kafka"
OPERATION_TYPE: Final = "messaging.operation.type"
OPERATION_NAME: Final = "messaging.operation.name"
DESTINATION: Final = "messaging.destination.name"
PARTITION: Final = "messaging.destination.partition.id"
MESSAGE_KEY: Final = "messaging.kafka.message.key"
OFFSET: Final = "messaging.kafka.offset"
MESSAGE_ID: Final = "messaging.message.id"
CONSUMER_GROUP: Final = "messaging.consumer.group.name"
BATCH_COUNT: Final = "messaging.batch.message_count"
CLIENT_ID: Final = "messaging.client.id"
ERROR_TYPE: Final = "error.type"

SENT_MESSAGES: Final = "messaging.client.sent.messages"
CONSUMED_MESSAGES: Final = "messaging.client.consumed.messages"
OPERATION_DURATION: Final = "messaging.client.operation.duration"
PROCESS_DURATION: Final = "messaging.process.duration"
CONSUMER_LAG: Final = "messaging.kafka.consumer.lag"


def error_type(error: BaseException) -> str:
    """``error.type`` for an exception: a structured error's code (``KAFKA_PUBLISH_ERROR``),
    else its fully qualified class name; bounded and secret-free either way."""
    code = code_of(error)
    if code is not None:
        return code
    cls = type(error)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"
