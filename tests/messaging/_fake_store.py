"""An in-memory ``IdempotencyStoreProtocol`` with a hand-driven clock, for the pure logic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from huleedu_service_libs.errors import IdempotencyStoreUnavailableError
from huleedu_service_libs.idempotency import ClaimState


@dataclass
class FakeIdempotencyStore:
    now: float = 0.0
    down: bool = False
    calls: list[str] = field(default_factory=list)
    #: key -> (value, expires_at): value is "d" (done) or the owner token
    entries: dict[str, tuple[str, float]] = field(default_factory=dict)

    async def claim(self, keys: Sequence[str], owner: str, lease_ms: int) -> list[ClaimState]:
        self._call("claim")
        states = []
        for key in keys:
            value = self._get(key)
            if value is None:
                self.entries[key] = (owner, self.now + lease_ms / 1000)
            states.append(
                ClaimState.CLAIMED if value is None
                else ClaimState.DONE if value == "d" else ClaimState.IN_PROGRESS
            )  # fmt: skip
        return states

    async def settle(
        self, owner: str, *, done: Sequence[str], released: Sequence[str], ttl_seconds: int
    ) -> list[str]:
        self._call("settle")
        lost = []
        for key in done:
            if self._get(key) == owner:
                self.entries[key] = ("d", self.now + ttl_seconds)
            else:
                lost.append(key)
        for key in released:
            if self._get(key) == owner:
                del self.entries[key]
        return lost

    async def renew(self, keys: Sequence[str], owner: str, lease_ms: int) -> list[str]:
        self._call("renew")
        lost = []
        for key in keys:
            if self._get(key) == owner:
                self.entries[key] = (owner, self.now + lease_ms / 1000)
            else:
                lost.append(key)
        return lost

    def state_values(self) -> list[str]:
        return sorted(v for k in list(self.entries) if (v := self._get(k)) is not None)

    def _call(self, name: str) -> None:
        if self.down:
            raise IdempotencyStoreUnavailableError("fake store is down")
        self.calls.append(name)

    def _get(self, key: str) -> str | None:
        value, expires_at = self.entries.get(key, ("", 0.0))
        return value if value and expires_at > self.now else None
