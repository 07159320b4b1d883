"""The idempotent consumer's logic, against a store port, with no Redis in sight.

First delivery: claim (a short lease owned by this attempt), run, mark done. A done event is
skipped. An event another attempt holds raises ``DuplicateInProgressError`` so the message is
redelivered, never dropped. A failed or cancelled run releases the claim (only if this attempt
still owns it) and re-raises, so the redelivery runs the handler again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from huleedu_service_libs._shared.report_once import ReportOnce
from huleedu_service_libs._types import ConsumerRecordLike, RecordT
from huleedu_service_libs.errors import (
    DuplicateInProgressError,
    IdempotencyLeaseLostError,
    IdempotencyStoreUnavailableError,
)
from huleedu_service_libs.idempotency._claims import ClaimState, claim_key, new_owner
from huleedu_service_libs.idempotency._lease import LeaseKeeper
from huleedu_service_libs.idempotency._telemetry import IdempotencyTelemetry, Outcome
from huleedu_service_libs.kafka_consumer import process_span
from huleedu_service_libs.protocols import IdempotencyStoreProtocol

_log = logging.getLogger("huleedu_service_libs.idempotency")
R = TypeVar("R")


def _store_down_report() -> ReportOnce:
    """Each guard warns once (with the outage's traceback) that it runs without deduplication."""
    return ReportOnce(
        _log,
        "Idempotency store unreachable at %s; processing without deduplication",
        level=logging.WARNING,
        repeats=None,
    )


@dataclass
class IdempotencyGuard:
    store: IdempotencyStoreProtocol
    namespace: str
    ttl_seconds: int
    lease_seconds: float
    fail_open: bool
    consumer_group: str | None = None
    telemetry: IdempotencyTelemetry = field(default_factory=IdempotencyTelemetry)
    _store_down: ReportOnce = field(init=False, repr=False, default_factory=_store_down_report)

    async def run(
        self, record: ConsumerRecordLike, handler: Callable[[], Awaitable[R]]
    ) -> R | None:
        """Run ``handler`` for ``record`` at most once per event (see the module docstring)."""
        with process_span(record, consumer_group=self.consumer_group):
            key, owner = claim_key(self.namespace, record), new_owner()
            states = await self._claim([key], owner)
            if states is None:
                return await handler()
            if not self._admit(states[0], key):
                return None
            try:
                async with LeaseKeeper(self.store, [key], owner, self.lease_seconds):
                    result = await handler()
            except BaseException:
                await self._settle(owner, released=[key])
                raise
            await self._settle(owner, done=[key])
            return result

    async def run_batch(
        self, records: Sequence[RecordT], handler: Callable[[RecordT], Awaitable[object]]
    ) -> None:
        """Claim the whole batch in one round trip, run each new record, settle in one more.

        On a handler failure the remaining claims are released and the error re-raised; when
        some records were held by another attempt, ``DuplicateInProgressError`` is raised after
        the others ran, so the batch is redelivered and only those run again.
        """
        keys, owner = [claim_key(self.namespace, r) for r in records], new_owner()
        unique = list(dict.fromkeys(keys))
        states = await self._claim(unique, owner)
        state_of = dict(zip(unique, states, strict=True)) if states is not None else {}
        to_run = self._admit_batch(records, keys, state_of)
        claimed = {k for k, s in state_of.items() if s is ClaimState.CLAIMED}
        done: list[str] = []
        try:
            async with LeaseKeeper(self.store, sorted(claimed), owner, self.lease_seconds):
                for record, key in to_run:
                    with process_span(record, consumer_group=self.consumer_group):
                        await handler(record)
                    done.append(key)
        finally:
            released = [k for k in claimed if k not in done]
            await self._settle(owner, done=[k for k in done if k in claimed], released=released)
        if ClaimState.IN_PROGRESS in state_of.values():
            raise DuplicateInProgressError("part of the batch is being processed elsewhere")

    def _admit_batch(
        self, records: Sequence[RecordT], keys: list[str], state_of: dict[str, ClaimState]
    ) -> list[tuple[RecordT, str]]:
        """The records this attempt runs: claimed ones, each event once (all, failing open)."""
        seen: set[str] = set()
        to_run: list[tuple[RecordT, str]] = []
        for record, key in zip(records, keys, strict=True):
            state = state_of.get(key, ClaimState.CLAIMED)
            if key in seen:
                state = ClaimState.DONE
            seen.add(key)
            if state is ClaimState.IN_PROGRESS:
                self.telemetry.count(Outcome.IN_PROGRESS)
            elif self._admit(state, key):
                to_run.append((record, key))
        return to_run

    def _admit(self, state: ClaimState, key: str) -> bool:
        """True when this attempt may run; counts skips, raises for an event held elsewhere."""
        if state is ClaimState.DONE:
            self.telemetry.count(Outcome.DUPLICATE)
            _log.info("Skipping duplicate event %s", key)
            return False
        if state is ClaimState.IN_PROGRESS:
            self.telemetry.count(Outcome.IN_PROGRESS)
            raise DuplicateInProgressError(f"{key} is being processed by another attempt")
        return True

    async def _claim(self, keys: list[str], owner: str) -> list[ClaimState] | None:
        """The keys' states, or ``None`` when the store is down and the policy is fail-open."""
        try:
            with self.telemetry.timed("claim"):
                return await self.store.claim(keys, owner, int(self.lease_seconds * 1000))
        except IdempotencyStoreUnavailableError:
            self.telemetry.count(Outcome.STORE_UNAVAILABLE, len(keys))
            if not self.fail_open:
                raise
            self._store_down("claim")
            return None

    async def _settle(
        self, owner: str, *, done: Sequence[str] = (), released: Sequence[str] = ()
    ) -> None:
        """Record the outcome; a store outage here is logged, never raised over the result.

        Done keys whose lease was lost meanwhile are not marked done: they are counted
        ``lease_lost`` and ``IdempotencyLeaseLostError`` asks for a redelivery.
        """
        self.telemetry.count(Outcome.RELEASED, len(released))
        try:
            with self.telemetry.timed("settle"):
                lost = await self.store.settle(
                    owner, done=done, released=released, ttl_seconds=self.ttl_seconds
                )
        except IdempotencyStoreUnavailableError:
            _log.warning("Could not record the outcome of %d events", len(done) + len(released))
            self.telemetry.count(Outcome.PROCESSED, len(done))
            return
        self.telemetry.count(Outcome.PROCESSED, len(done) - len(lost))
        if lost:
            self.telemetry.count(Outcome.LEASE_LOST, len(lost))
            _log.warning(
                "Lease lost while the handler ran: %d events not marked done, redelivering",
                len(lost),
            )
            raise IdempotencyLeaseLostError(f"{len(lost)} events lost their lease mid-run")
