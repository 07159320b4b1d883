"""The events the example publishes and consumes."""

from __future__ import annotations

from pydantic import BaseModel

ESSAY_SUBMITTED = "huleedu.essay.submitted.v1"


class EssaySubmitted(BaseModel):
    essay_id: str
    user_id: str
