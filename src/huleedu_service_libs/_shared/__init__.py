"""Internals the library shares with the ``huleedu_otel`` distribution: the one home of each rule.

``huleedu_otel`` imports these (and nothing else private of this package):

- ``redaction``: what counts as a secret (one list of words) and how it is masked (one marker,
  ``[REDACTED]``): log fields, free text, URLs, query strings;
- ``exception_text``: the safe text of an exception for spans and logs;
- ``report_once``: telemetry failures are reported once, then swallowed;
- ``buckets``: histogram bucket bounds in seconds, by semantic-convention family;
- ``db_duration``: the one ``db.client.operation.duration`` instrument of SQL and Redis;
- ``messaging``: the Kafka spans, names and metrics of ``KafkaBus`` and the aiokafka instrumentor;
- ``lazy``: package ``__init__`` modules that import their names on first use;
- ``correlation_rule``: which incoming correlation ids are reused (HTTP and Kafka alike);
- ``answered_error``, ``errors_metric``: the ``error.type`` of an answered 5xx for the SERVER
  span, and the one ``huleedu.errors`` counter.

Everything here uses the OpenTelemetry API only.
"""
