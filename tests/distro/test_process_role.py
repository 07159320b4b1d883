"""Which processes the launcher configures as the service, from their command lines."""

from __future__ import annotations

import pytest

from huleedu_otel._setup.process_role import ProcessRole, process_role
from huleedu_otel._setup.settings import TelemetrySettings

PY = "/usr/bin/python3"


@pytest.mark.parametrize(
    ("argv", "role"),
    [
        ([PY, "/venv/bin/hypercorn", "app:app"], ProcessRole.SUPERVISOR),
        ([PY, "-m", "hypercorn", "-w", "4", "app:app"], ProcessRole.SUPERVISOR),
        ([PY, "/venv/bin/hypercorn", "--workers", "0", "app:app"], ProcessRole.SERVICE),
        ([PY, "/venv/bin/hypercorn", "--workers=0", "app:app"], ProcessRole.SERVICE),
        (
            [PY, "-c", "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5)",
             "--multiprocessing-fork"],
            ProcessRole.SERVICE,
        ),
        ([PY, "-c", "from multiprocessing.resource_tracker import main"], ProcessRole.HELPER),
        ([PY, "script.py"], ProcessRole.SERVICE),
        ([PY], ProcessRole.SERVICE),
    ],
)  # fmt: skip
def test_roles(argv: list[str], role: ProcessRole) -> None:
    """hypercorn's supervisor and multiprocessing's helpers are told apart from workers."""
    assert role == process_role(argv)


def test_a_supervisor_leaves_the_metrics_port_to_its_worker() -> None:
    settings = TelemetrySettings.from_env(env={"OTEL_METRICS_EXPORTER": "otlp,prometheus"})
    assert settings.without_prometheus().metrics_exporters == ("otlp",)
