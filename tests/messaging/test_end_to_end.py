"""The seed's examples in a service process configured by ``huleedu_otel.configure()``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from huleedu_otel.receiver import OtlpReceiver
from tests.conftest import REPO_ROOT, clean_env, free_port

pytestmark = [pytest.mark.kafka, pytest.mark.redis]

PROMETHEUS_NAMES = (
    "messaging_client_sent_messages_total",
    "messaging_client_consumed_messages_total",
    "messaging_client_operation_duration_seconds_bucket",
    "messaging_process_duration_seconds_bucket",
    "messaging_kafka_consumer_lag",
    "idempotency_messages_total",
    "idempotency_store_duration_seconds_bucket",
)


def test_seed_examples_trace_end_to_end_and_show_the_contract_metrics(
    kafka_bootstrap: str, redis_url: str, topic: str
) -> None:
    """KafkaBus publishes, a consumer handles the event through idempotent_consumer: the handler
    sees the producer's trace id as current, OTLP receives one send and one process span in that
    trace, and /metrics shows the contract's metrics under their Prometheus names."""
    with OtlpReceiver() as receiver:
        env = clean_env(
            KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
            OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
            OTEL_EXPORTER_PROMETHEUS_PORT=str(free_port()),
            OTEL_EXPORTER_PROMETHEUS_HOST="127.0.0.1",
        )
        done = subprocess.run(
            [sys.executable, "-m", "tests.messaging._seed_service", topic, redis_url],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout.splitlines()[-1])
        spans = {s.name: s for s in receiver.spans() if topic in s.name}

    assert {f"send {topic}", f"process {topic}"} == set(spans)
    assert [spans[f"send {topic}"].trace_id] == result["handler_trace_ids"]
    assert spans[f"process {topic}"].trace_id == spans[f"send {topic}"].trace_id
    missing = [n for n in PROMETHEUS_NAMES if n not in result["metrics"]]
    assert missing == []
