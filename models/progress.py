"""All of an application workflow's state in one object.

It is what the workflow carries into continue-as-new, and what lets a workflow start part-way
(a test of a timer, a migration) without replaying every step.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from models.application import Assessment, Finding
from models.application_machine import ApplicationState
from models.deadlines import DeadlineFacts
from models.enums import Outcome
from models.records import Assessor
from models.views import Award, HistoryEntry


class ApplicationProgress(BaseModel):
    state: ApplicationState = ApplicationState.DRAFT
    facts: DeadlineFacts
    fired: list[str] = Field(default_factory=list, description="deadline keys already fired")
    history: list[HistoryEntry] = Field(default_factory=list)
    event_seq: int = 0
    declaration_token: str | None = None
    assessor: Assessor | None = None
    assessment: Assessment | None = None
    outcome: Outcome | None = None
    feedback: list[Finding] = Field(default_factory=list)
    award: Award | None = None
    overdue: bool = False
    queue_reason: str | None = None
    submitted_at: datetime | None = None
