"""Request bodies and responses that are not already a model of the scheme.

A body is the matching workflow command without its actor: the API adds the actor from the
token, so a caller can never act as someone else.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, EmailStr, Field

from models.application import (
    Applicant,
    CpdRecord,
    DocumentRef,
    Finding,
    NarrativeSection,
    Qualification,
    RoleDetails,
)
from models.enums import (
    ApplicationKind,
    DeclarationStatus,
    DeclarerRole,
    Outcome,
    Pathway,
    Route,
)


class ApplicationCreate(BaseModel):
    """A new application, with the applicant's profile as the portal knows it."""

    pathway: Pathway
    route: Route | None = Field(None, description="R03: initial accreditation only")
    kind: ApplicationKind = ApplicationKind.INITIAL
    applicant: Applicant


class ApplicationUpdate(BaseModel):
    """Draft sections to replace; sections left out stay as they are (R10)."""

    role_details: RoleDetails | None = None
    qualifications: list[Qualification] | None = None
    documents: list[DocumentRef] | None = None
    narrative: list[NarrativeSection] | None = None
    cpd: list[CpdRecord] | None = None


class DeclarerInvite(BaseModel):
    """R09: the manager or practice educator to invite."""

    declarer_name: str = Field(min_length=1, max_length=200)
    declarer_email: EmailStr
    declarer_role: DeclarerRole


class WithdrawalCreate(BaseModel):
    reason: str = Field("", max_length=2000)


class DeclarationAnswer(BaseModel):
    """R09: confirm, or decline with a reason for the applicant."""

    confirm: bool
    reason: str | None = Field(None, max_length=2000)


class DeclarationReceipt(BaseModel):
    """What the declarer is told once their answer is recorded."""

    application_id: str
    status: DeclarationStatus


class AllocationCreate(BaseModel):
    """R12: name an assessor, or leave it out to let the service choose."""

    assessor_id: str | None = Field(None, min_length=1, max_length=64)
    reason: str = Field("", max_length=2000)


class AssessmentCreate(BaseModel):
    """R12/R13: findings per learning outcome and the recommended outcome."""

    findings: list[Finding] = Field(min_length=1)
    recommended_outcome: Outcome
    summary: str = Field("", max_length=4000)


class DecisionCreate(BaseModel):
    """R11/R13: verification needs an outcome; ratification without one accepts the assessor's
    recommendation. A deferral needs feedback; overruling or refusing needs a reason."""

    outcome: Outcome | None = None
    reason: str = Field("", max_length=4000)
    feedback: list[Finding] = Field(default_factory=list)


class ReaccreditationCreate(BaseModel):
    """R15/R18: the scope to re-accredit; left out, a recorded scope change or the current one."""

    role_details: RoleDetails | None = None


class StaffQueue(StrEnum):
    """The read model's staff queues (``models.queues``)."""

    AWAITING_VERIFICATION = "awaiting_verification"
    AWAITING_ALLOCATION = "awaiting_allocation"
    AWAITING_ASSESSMENT = "awaiting_assessment"
    AWAITING_RATIFICATION = "awaiting_ratification"
    OVERDUE = "overdue"
