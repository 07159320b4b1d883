"""Kafka telemetry shared by ``KafkaBus``, ``process_span`` and the aiokafka instrumentor.

One implementation of the send and process spans and the messaging metrics, so whichever side
emits them, names and attributes are the same (the messaging semantic conventions; see
ARCHITECTURE.md, "The telemetry contract", and the README's messaging section).
"""
