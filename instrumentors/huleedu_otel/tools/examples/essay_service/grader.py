"""A stand-in for an external grading API, with a switch to make it fail.

The demo turns it off and on to show the circuit breaker opening, blocking, probing and closing.
"""

from __future__ import annotations

import asyncio
from typing import Protocol


class GraderUnavailableError(Exception):
    """The grading API answered with an error."""


class GraderProtocol(Protocol):
    async def grade(self, text: str) -> int: ...


class FlakyGrader:
    """Scores an essay by its length; fails while ``healthy`` is off."""

    def __init__(self) -> None:
        self.healthy = True

    async def grade(self, text: str) -> int:
        await asyncio.sleep(0.002)  # the network round trip of a real API
        if not self.healthy:
            raise GraderUnavailableError("grading API returned 503")
        return min(100, 40 + len(text.split()))
