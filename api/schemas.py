"""Request bodies and responses of the API.

A body is the part of a workflow command the caller writes (``models.commands``); the API adds
the actor from the token, so a caller can never act as someone else.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from models.application import (
    Applicant,
    Finding,
    RoleDetails,
)
from models.commands import (
    AssessmentFindings,
    AssessorChoice,
    DecisionDetails,
    DeclarerDetails,
    DraftSections,
    WithdrawalReason,
)
from models.cpd_verification import CpdVerificationStatus
from models.enums import (
    ApplicationKind,
    DeclarationStatus,
    Outcome,
    Pathway,
    Route,
)
from models.errors import Problem


class ApplicationCreate(BaseModel):
    """A new application, with the applicant's profile as the portal knows it."""

    pathway: Pathway
    route: Route | None = Field(None, description="R03: initial accreditation only")
    kind: ApplicationKind = ApplicationKind.INITIAL
    applicant: Applicant


class ApplicationUpdate(DraftSections):
    """Draft sections to replace; sections left out stay as they are (R10). Documents are
    added by uploading them (``POST /applications/{id}/documents``), never here."""

    model_config = ConfigDict(extra="forbid")


class ApplicationCreated(BaseModel):
    """Where a created application stands: read the whole of it at ``GET
    /applications/{application_id}``."""

    application_id: str
    state: str
    allowed_actions: list[str]
    missing: list[Problem] = Field(
        default_factory=list, description="what is still needed before submission (R10)"
    )


class ApplicationAccepted(BaseModel):
    """A create whose application exists but could not be read back yet."""

    application_id: str
    message: str


class DeclarerInvite(DeclarerDetails):
    """R09: the manager or practice educator to invite."""


class WithdrawalCreate(WithdrawalReason):
    """Why the application is withdrawn (optional)."""


class DeclarationReceipt(BaseModel):
    """What the declarer is told once their answer is recorded."""

    application_id: str
    status: DeclarationStatus


class CpdVerificationReceipt(BaseModel):
    """What a CPD verifier is told once their answer is recorded."""

    application_id: str
    status: CpdVerificationStatus


class AllocationCreate(AssessorChoice):
    """R12: name an assessor, or leave it out to let the service choose."""


class AssessmentCreate(AssessmentFindings):
    """R12/R13: findings per learning outcome and the recommended outcome."""


class AssessmentDraftUpdate(BaseModel):
    """Findings so far, to finish later: nothing is checked until the assessment is submitted."""

    findings: list[Finding] = Field(default_factory=list, max_length=100)
    recommended_outcome: Outcome | None = None
    summary: str = Field("", max_length=4000)


class DecisionCreate(DecisionDetails):
    """R11/R13: verification needs an outcome; ratification without one accepts the assessor's
    recommendation. A deferral needs feedback; overruling or refusing needs a reason."""


class ReaccreditationCreate(BaseModel):
    """R15/R18: the scope to re-accredit; left out, a recorded scope change or the current one."""

    role_details: RoleDetails | None = None
