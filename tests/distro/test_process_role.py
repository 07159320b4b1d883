"""Which process serves /metrics: read from hypercorn's parsed configuration and the process tree.

Every hypercorn command line below runs for real under the launcher; the proof that the roles
were read right is that the configured /metrics port counts every request the service served.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from huleedu_otel._setup.process_role import ProcessRole, process_role
from huleedu_otel._setup.prometheus.supervisor import SUPERVISOR_VAR
from tests.conftest import free_port
from tests.distro._hypercorn import gauge_pids, hypercorn_command, launched

PY = "/usr/bin/python3"
SPAWNED = [
    PY,
    "-c",
    "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5, pipe_handle=7)",
    "--multiprocessing-fork",
]


@pytest.mark.parametrize(
    "argv",
    [
        [PY, "-c", "from multiprocessing.resource_tracker import main;main(5)"],
        [PY, "-X", "dev", "-c", "from multiprocessing.resource_tracker import main;main(5)"],
        [PY, "-B", "-c", "from multiprocessing.forkserver import main; main(3, 4, ['__main__'])"],
    ],
)
def test_multiprocessing_helpers_are_left_alone(argv: list[str]) -> None:
    assert process_role(argv, environ={}, parent_pid=1) == ProcessRole.HELPER


@pytest.mark.parametrize(
    "argv",
    [
        [PY, "/venv/bin/hypercorn", "app:app"],
        [PY, "/venv/bin/hypercorn", "-w0", "app:app"],
        [PY, "-m", "hypercorn", "--workers", "4", "app:app"],
        [PY, "-X", "dev", "-m", "hypercorn", "--config", "cfg.toml", "app:app"],
        [PY, "script.py", "-c", "resource_tracker"],
        [PY],
    ],
)
def test_a_command_line_alone_makes_a_service(argv: list[str]) -> None:
    """No server option is read: hypercorn's supervisor is recognised when its run() starts."""
    assert process_role(argv, environ={}, parent_pid=1) == ProcessRole.SERVICE


def test_a_child_of_the_announcing_supervisor_is_its_worker() -> None:
    environ = {SUPERVISOR_VAR: "4242:/run/metrics"}
    assert process_role(SPAWNED, environ=environ, parent_pid=4242) == ProcessRole.WORKER


def test_a_grandchild_that_inherited_the_variable_is_a_service() -> None:
    environ = {SUPERVISOR_VAR: "4242:/run/metrics"}
    assert process_role(SPAWNED, environ=environ, parent_pid=777) == ProcessRole.SERVICE


def _config(tmp_path: Path, kind: str, workers: int, port: int) -> list[str]:
    """A hypercorn config file of ``kind`` with the bind address and worker count.

    ``-c``, not ``--config``: the launcher's own argument parser takes ``--config`` for an
    abbreviation of its ``--configurator`` and stops.
    """
    body = f'bind = ["127.0.0.1:{port}"]\nworkers = {workers}\n'
    if kind == "toml":
        (tmp_path / "hypercorn.toml").write_text(body)
        return ["-c", str(tmp_path / "hypercorn.toml")]
    (tmp_path / "hypercorn_config.py").write_text(body)
    return ["-c", f"file:{tmp_path / 'hypercorn_config.py'}"]


CASES = {
    "-w0": (["-w0"], 0, {}),
    "-w 0": (["-w", "0"], 0, {}),
    "--workers=0": (["--workers=0"], 0, {}),
    "default (one worker)": ([], 1, {}),
    "--workers 2": (["--workers", "2"], 2, {}),
    "toml, workers = 0": ("toml", 0, {}),
    "toml, workers = 2": ("toml", 2, {}),
    "python file, workers = 0": ("py", 0, {}),
    "python file, workers = 2": ("py", 2, {}),
    "python -m hypercorn -w 2": (["-w", "2"], 2, {"module": True}),
    "python -X dev -m hypercorn -w0": (["-w0"], 0, {"python_options": ["-X", "dev"]}),
    "python -X dev -m hypercorn --workers=2": (
        ["--workers=2"],
        2,
        {"python_options": ["-X", "dev"]},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_metrics_show_every_request_whatever_the_command_line(case: str, tmp_path: Path) -> None:
    """Under the launcher, /metrics counts all requests served, and (with workers) shows the
    supervisor's and each worker's gauges apart; without workers, one process serves both."""
    args, workers, how = CASES[case]
    app_port = free_port()
    options = _config(tmp_path, args, workers, app_port) if isinstance(args, str) else args
    command = hypercorn_command(options, **how)  # type: ignore[arg-type]
    with launched(command, app_port=app_port) as server:
        statuses = [server.get(f"/essays/{i}") for i in range(6)]
        counted = server.wait_for_count(6)
        expected_pids = 1 + workers if workers else 0
        exposition = server.wait_for(lambda text: len(gauge_pids(text)) >= expected_pids)
    out = server.output
    assert statuses == [200] * 6, out
    assert counted == 6, out
    pids = gauge_pids(exposition)
    if workers == 0:
        assert pids == set()  # a single process: nothing to tell apart
        assert "through the supervisor" not in out
        assert "serves every worker" not in out
    else:
        assert len(pids) == 1 + workers, exposition
        assert out.count("prometheus through the supervisor") == workers, out
        assert out.count("serves every worker of this supervisor") == 1, out
