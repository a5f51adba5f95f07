"""What callers ask of an application workflow: one model per update, each naming its actor."""

from __future__ import annotations

from datetime import date
from typing import Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from models.application import (
    Application,
    CpdRecord,
    DocumentRef,
    Finding,
    NarrativeSection,
    Qualification,
    RoleDetails,
)
from models.catalogue import PathwayCatalogue
from models.cpd_verification import Verifier
from models.enums import DeclarerRole, Outcome, Role
from models.policy import Policy
from models.progress import ApplicationProgress

APPLICATION_WORKFLOW = "Application"
"""The application workflow's type name: the member's workflow starts it by name, so that
neither workflow module imports the other."""


def application_workflow_id(application_id: str) -> str:
    """The stable workflow id of an application."""
    return f"application-{application_id}"


class Actor(BaseModel):
    """Who acts: the API puts the authenticated subject and role here."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=128)
    role: Role
    name: str = Field("", max_length=200)


SYSTEM = Actor(id="system", role=Role.SYSTEM, name="accreditation service")
"""The service itself, acting on its timers and its own routing."""


class ApplicationInput(BaseModel):
    """Everything an application workflow needs for its whole life."""

    application: Application
    catalogue: PathwayCatalogue
    policy: Policy = Field(default_factory=Policy)
    declaration_link_base: str = Field(
        "http://127.0.0.1:8000/declare", description="single-use links are served here"
    )
    cpd_verification_link_base: str = Field(
        "http://127.0.0.1:8000/verify-cpd",
        description="CPD verifiers' single-use links are served here (R08, R16)",
    )
    officers_email: EmailStr = "officers@cor.example"
    non_member_fee_pence: int = Field(0, ge=0, description="R21: the fee a non-member is told of")
    progress: ApplicationProgress | None = Field(
        None, description="where to resume: set by continue-as-new, or to start part-way"
    )
    previous_expires_on: date | None = Field(
        None, description="re-accreditation: when the current accreditation expires (R20)"
    )


# Each request comes in two parts: what the caller asks (the body the API accepts) and, for
# the workflow, the same with the authenticated actor added.


class DraftSections(BaseModel):
    """Replace the sections given; sections left out (None) stay as they are (R10).

    Documents are not a section: each enters the application only by an upload to it. The
    list lengths here are outer bounds for any request; the policy's ``ContentLimits`` are the
    limits an application is held to.
    """

    role_details: RoleDetails | None = None
    qualifications: list[Qualification] | None = Field(None, max_length=100)
    narrative: list[NarrativeSection] | None = Field(None, max_length=100)
    cpd: list[CpdRecord] | None = Field(None, max_length=500)


class SaveDraft(DraftSections):
    actor: Actor
    documents: list[DocumentRef] | None = Field(
        None,
        description="refused by the validator; kept so histories saved before documents "
        "became upload-only still replay",
    )


class AddDocument(BaseModel):
    """Add one stored document to the draft; adding the same document again changes nothing."""

    actor: Actor
    document: DocumentRef


class DeclarerDetails(BaseModel):
    """R09: the manager or practice educator to invite."""

    declarer_name: str = Field(min_length=1, max_length=200)
    declarer_email: EmailStr
    declarer_role: DeclarerRole


class InviteDeclarer(DeclarerDetails):
    actor: Actor


class ApplicantAction(BaseModel):
    """Submit or resubmit: the applicant names only themself."""

    actor: Actor


class WithdrawalReason(BaseModel):
    reason: str = Field("", max_length=2000)


class Withdraw(WithdrawalReason):
    actor: Actor


class DeclarationAnswer(BaseModel):
    """R09: confirm, or decline with a reason for the applicant."""

    confirm: bool
    reason: str | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _reason_when_declining(self) -> Self:
        if not self.confirm and not (self.reason and self.reason.strip()):
            raise ValueError("reason: a reason is required when declining the declaration")
        return self


class DeclarationResponse(DeclarationAnswer):
    """The declarer's answer, carried by their single-use link's token."""

    token: str = Field(min_length=1, max_length=128)


class DeclarationLink(BaseModel):
    """The secret part of a declarer's single-use link."""

    token: str = Field(min_length=1, max_length=128)


class CpdVerificationAsk(BaseModel):
    """R08/R16: the named verifier to send one CPD record to (never the applicant)."""

    verifier: Verifier


class RequestCpdVerification(CpdVerificationAsk):
    """Send CPD record ``index`` (its position in the list, as the applicant sees it) to a
    verifier through a single-use, expiring link; a new request replaces a pending one."""

    actor: Actor
    index: int = Field(ge=0, lt=500)


class CpdServiceMark(BaseModel):
    """R08/R16: a trusted service (the member portal) verified the record itself; it may say
    who verified it."""

    verifier: Verifier | None = None


class MarkCpdVerified(CpdServiceMark):
    actor: Actor
    index: int = Field(ge=0, lt=500)


class CpdVerificationAnswer(BaseModel):
    """R08: the verifier confirms the record, or declines with a reason for the applicant."""

    confirm: bool
    reason: str | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _reason_when_declining(self) -> Self:
        if not self.confirm and not (self.reason and self.reason.strip()):
            raise ValueError("reason: a reason is required when declining to verify")
        return self


class CpdVerificationResponse(CpdVerificationAnswer):
    """The verifier's answer, carried by their single-use link's token."""

    token: str = Field(min_length=1, max_length=128)


class CpdVerificationLink(BaseModel):
    """The secret part of a CPD verifier's single-use link."""

    token: str = Field(min_length=1, max_length=128)


class AssessorChoice(BaseModel):
    """R12: name an assessor, or leave it out to let the service choose; say which assessor
    the allocation replaces, so two allocations made at once cannot silently undo each other."""

    assessor_id: str | None = Field(None, min_length=1, max_length=64)
    replaces_assessor_id: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="the assessor allocated now, as last seen; leave out when there is none",
    )
    reason: str = Field("", max_length=2000)


class AllocateAssessor(AssessorChoice):
    actor: Actor


class AssessmentFindings(BaseModel):
    """R12/R13: the assessor's findings per learning outcome and recommended outcome."""

    findings: list[Finding] = Field(min_length=1, max_length=100)
    recommended_outcome: Outcome
    summary: str = Field("", max_length=4000)


class RecordAssessment(AssessmentFindings):
    actor: Actor


class SaveAssessmentDraft(BaseModel):
    """An assessment in progress: saved as it stands, to be finished and submitted later
    (nothing typed is lost); nothing about it is checked until it is submitted."""

    actor: Actor
    findings: list[Finding] = Field(default_factory=list, max_length=100)
    recommended_outcome: Outcome | None = None
    summary: str = Field("", max_length=4000)


class DecisionDetails(BaseModel):
    """R11/R13: verification needs an outcome; ratification without one accepts the assessor's
    recommendation. A deferral needs feedback; overruling or refusing needs a reason."""

    outcome: Outcome | None = None
    reason: str = Field("", max_length=4000)
    feedback: list[Finding] = Field(default_factory=list, max_length=100)


class Decision(DecisionDetails):
    actor: Actor
