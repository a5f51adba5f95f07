"""All of an application workflow's state in one object.

It is what the workflow carries into continue-as-new, and what lets a workflow start part-way
(a test of a timer, a migration) without replaying every step.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from models.application import Assessment, AssessmentDraft, Finding
from models.application_machine import ApplicationState
from models.deadlines import DeadlineFacts
from models.enums import Outcome
from models.records import Assessor
from models.views import Award, HistoryEntry


class SpentLink(StrEnum):
    """Why a declaration link no longer works, for the page its holder opens."""

    USED = "used"
    REPLACED = "replaced"
    EXPIRED = "expired"
    CLOSED = "closed"


SPENT_LINKS_KEPT = 20
"""How many spent declaration links an application remembers the fate of."""


class ApplicationProgress(BaseModel):
    state: ApplicationState = ApplicationState.DRAFT
    facts: DeadlineFacts
    fired: list[str] = Field(default_factory=list, description="deadline keys already fired")
    history: list[HistoryEntry] = Field(default_factory=list)
    event_seq: int = 0
    declaration_token: str | None = None
    spent_links: dict[str, SpentLink] = Field(
        default_factory=dict, description="declaration tokens no longer live, and why"
    )
    assessor: Assessor | None = None
    assessment: Assessment | None = None
    assessment_draft: AssessmentDraft | None = Field(
        None, description="the allocated assessor's saved, unsubmitted work"
    )
    outcome: Outcome | None = None
    feedback: list[Finding] = Field(default_factory=list)
    award: Award | None = None
    overdue: bool = False
    queue_reason: str | None = None
    submitted_at: datetime | None = None


def spend_link(progress: ApplicationProgress, why: SpentLink) -> None:
    """The live declaration link stops working, and is remembered with the reason."""
    token = progress.declaration_token
    if token is None:
        return
    progress.spent_links[token] = why
    for old in list(progress.spent_links)[:-SPENT_LINKS_KEPT]:
        del progress.spent_links[old]
    progress.declaration_token = None
