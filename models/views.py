"""What an application workflow answers to queries and returns when it ends."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from models.application import Application, Assessment
from models.coverage import OutcomeCoverage
from models.enums import Outcome, Role
from models.errors import Problem
from models.membership import FeeDue


class HistoryEntry(BaseModel):
    """One recorded decision or state change."""

    at: datetime
    actor_id: str
    actor_role: Role
    action: str
    from_state: str
    to_state: str
    reason: str | None = None


class DeadlineView(BaseModel):
    name: str
    due_at: datetime


class Award(BaseModel):
    """R14/R20: the accreditation an application's award produced."""

    awarded_on: date
    accredited_from: date
    expires_on: date


class ApplicationView(BaseModel):
    """The query answer: where the application stands and what can happen next."""

    state: str
    application: Application
    missing: list[Problem]
    allowed_actions: list[str]
    deadlines: list[DeadlineView]
    history: list[HistoryEntry]
    assessor_id: str | None = None
    assessment: Assessment | None = None
    outcome: Outcome | None = None
    feedback: list[dict[str, str]] = Field(default_factory=list)
    award: Award | None = None
    overdue: bool = False
    queue_reason: str | None = None
    fee: FeeDue | None = Field(None, description="R21: what the applicant owes, and whom to ask")
    coverage: list[OutcomeCoverage] = Field(
        default_factory=list,
        description="R08/R16: every learning outcome of the pathway against its evidence "
        "(narrative section, mapped CPD, verdict); empty on the approved route",
    )


class DeclarationRequest(BaseModel):
    """What a declarer sees behind their link: enough to declare, nothing more (R09)."""

    application_id: str
    applicant_name: str
    pathway: str
    kind: str
    role: str | None
    job_title: str | None
    employer: str | None
    areas_of_practice: list[str]
    scope_summary: str | None
    declarer_name: str
    declarer_role: str
    expires_at: datetime


class ActionResult(BaseModel):
    """What an update answers: where the application stands now, in brief. The full view
    stays a query (``ApplicationView``)."""

    application_id: str
    state: str
    allowed_actions: list[str]
    missing: list[Problem] = Field(
        default_factory=list, description="what is still needed before submission (R10)"
    )
    version: int = Field(description="the application's event count: it grows with each change")
    assessor_id: str | None = Field(
        None, description="R12: the assessor allocated now, when there is one (as in the view)"
    )
