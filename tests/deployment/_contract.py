"""The Prometheus names the README's tables give: what dashboards may query.

(ARCHITECTURE.md, "The telemetry contract", says which are semantic conventions and which ours.)

Histograms list their base name; ``_bucket``, ``_count`` and ``_sum`` series derive from it.
"""

from __future__ import annotations

HISTOGRAMS = frozenset(
    {
        "http_server_request_duration_seconds",
        "db_client_operation_duration_seconds",
        "db_client_connection_create_time_seconds",
        "db_client_connection_wait_time_seconds",
        "db_client_connection_use_time_seconds",
        "huleedu_db_transaction_duration_seconds",
        "messaging_client_operation_duration_seconds",
        "messaging_process_duration_seconds",
        "idempotency_store_duration_seconds",
        "huleedu_outbox_delay_seconds",
    }
)
SERIES = frozenset(
    {
        "http_server_active_requests",
        "db_client_connection_count",
        "db_client_connection_max",
        "db_client_connection_idle_max",
        "db_client_connection_idle_min",
        "db_client_connection_pending_requests",
        "db_client_connection_timeouts_total",
        "messaging_client_sent_messages_total",
        "messaging_client_consumed_messages_total",
        "messaging_kafka_consumer_lag",
        "circuit_breaker_state",
        "circuit_breaker_calls_total",
        "circuit_breaker_state_transitions_total",
        "idempotency_messages_total",
        "huleedu_outbox_pending",
        "huleedu_outbox_oldest_age_seconds",
        "huleedu_outbox_events_total",
        "huleedu_errors_total",
        "target_info",
    }
)


def known_series() -> frozenset[str]:
    derived = {h + suffix for h in HISTOGRAMS for suffix in ("_bucket", "_count", "_sum")}
    return SERIES | derived
