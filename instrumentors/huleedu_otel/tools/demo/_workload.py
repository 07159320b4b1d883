"""The scripted workload the demo drives through the example service's HTTP API."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Say = Callable[[str], None]
ESSAYS = (
    ("user-1", "Observability is the ability to ask new questions of a running system."),
    ("user-2", "A circuit breaker stops a failing dependency from taking the caller down."),
    ("user-3", "Idempotent consumers make redelivery safe."),
)


@dataclass
class WorkloadResult:
    essay_ids: list[str] = field(default_factory=list)
    grade_statuses: list[int] = field(default_factory=list)


class ServiceClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.call("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"the service at {self.base_url} did not become healthy in {timeout}s")


def run(client: ServiceClient, recovery_seconds: float, say: Say) -> WorkloadResult:
    result = WorkloadResult()
    for user_id, text in ESSAYS:
        _, body = client.call("POST", "/essays", {"user_id": user_id, "text": text})
        result.essay_ids.append(body["essay_id"])
    say(f"submitted {len(ESSAYS)} essays (HTTP → database → Kafka)")
    first = result.essay_ids[0]
    _wait_counted(client, first)
    say("the consumer counted the words (Kafka → consumer → database → Redis)")
    client.call("POST", f"/admin/replay/{first}")
    say("published the first essay's event again, same event id: the consumer must skip it")
    result.grade_statuses += _grade(client, first, 1)
    client.call("POST", "/admin/grader", {"healthy": False})
    result.grade_statuses += _grade(client, first, 5)
    say("grading API down: 3 failures opened the breaker, the next calls were blocked")
    client.call("POST", "/admin/grader", {"healthy": True})
    time.sleep(recovery_seconds + 0.2)
    result.grade_statuses += _grade(client, first, 2)
    say("grading API back: after the recovery timeout a probe closed the breaker")
    _wait_counted(client, result.essay_ids[-1])
    return result


def _grade(client: ServiceClient, essay_id: str, times: int) -> list[int]:
    return [client.call("POST", f"/essays/{essay_id}/grade")[0] for _ in range(times)]


def _wait_counted(client: ServiceClient, essay_id: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = client.call("GET", f"/essays/{essay_id}")
        if status == 200 and body.get("word_count") is not None:
            return
        time.sleep(0.2)
    raise TimeoutError(f"essay {essay_id} was not processed by the consumer in {timeout}s")
