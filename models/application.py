"""An application for accreditation and the evidence it carries (R01-R09, R13, R16).

Every field an applicant fills in is optional while drafting: what is missing is reported by
``models.readiness``, never by refusing to save a draft (R10: nothing entered is lost).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from models.cpd_verification import CpdVerification
from models.dates import IsoDate
from models.enums import (
    ApplicationKind,
    AreaOfPractice,
    DeclarationStatus,
    DeclarerRole,
    DocumentKind,
    FheqLevel,
    FindingLevel,
    MembershipStatus,
    Outcome,
    Pathway,
    PractitionerRole,
    Route,
)

_Text = Field(min_length=1, max_length=200)
OutcomeCode = Annotated[str, Field(min_length=1, max_length=32)]


class Applicant(BaseModel):
    """The member applying, as the portal and membership system know them."""

    model_config = ConfigDict(frozen=True)

    member_id: str = Field(min_length=1, max_length=64)
    name: str = _Text
    email: EmailStr
    registration_number: str = Field(min_length=1, max_length=32)
    membership_status: MembershipStatus
    employer: str = _Text


class RoleDetails(BaseModel):
    """R06: the applicant's role; R05: the areas of practice it covers."""

    role: PractitionerRole
    job_title: str = _Text
    employer: str = _Text
    areas_of_practice: list[AreaOfPractice] = Field(min_length=1)
    scope_summary: str = Field(
        min_length=1, max_length=2000, description="the agreed scope, as shown on the register"
    )

    @field_validator("areas_of_practice")
    @classmethod
    def _distinct_areas(cls, areas: list[AreaOfPractice]) -> list[AreaOfPractice]:
        return list(dict.fromkeys(areas))


class DocumentRef(BaseModel):
    """A document already stored by the API's document store."""

    model_config = ConfigDict(frozen=True)

    document_id: str = Field(min_length=1, max_length=64)
    kind: DocumentKind
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    filename: str = Field(min_length=1, max_length=255)


class Qualification(BaseModel):
    """R07/R08/R16: an approved programme by id, or entered details; with its certificate."""

    programme_id: str | None = Field(
        None, max_length=64, description="approved route: id from the list"
    )
    title: str | None = Field(None, max_length=200)
    awarding_body: str | None = Field(None, max_length=200)
    fheq_level: FheqLevel
    completed_on: IsoDate
    certificate_document_id: str | None = Field(None, max_length=64)
    further_learning: bool = Field(
        False, description="R16: learning since the last award (re-accreditation)"
    )


class CpdRecord(BaseModel):
    """R08/R16: one piece of CPD; it counts only when someone other than the applicant
    verified it."""

    title: str = _Text
    activity_date: IsoDate
    verified_by: str | None = Field(
        None,
        max_length=200,
        description="the applicant's note of who can verify it; it verifies nothing where the "
        "policy requires verified CPD",
    )
    learning_outcomes: list[OutcomeCode] = Field(default_factory=list, max_length=50)
    verification: CpdVerification | None = Field(
        None,
        description="set only by the service: a verifier's answer through their link, or a "
        "trusted service's mark; a draft never sets it",
    )


class NarrativeSection(BaseModel):
    """Part of the critical narrative: the reflection for one learning outcome."""

    outcome_code: OutcomeCode
    text: str = Field(max_length=20000)


class Declaration(BaseModel):
    """R09: the manager's or practice educator's declaration."""

    declarer_name: str = _Text
    declarer_email: EmailStr
    declarer_role: DeclarerRole
    status: DeclarationStatus = DeclarationStatus.INVITED
    invited_at: datetime
    responded_at: datetime | None = None
    reason: str | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _declined_with_reason(self) -> Self:
        # R09: a declined declaration goes back to the applicant with the reason.
        if self.status == DeclarationStatus.DECLINED and not (self.reason and self.reason.strip()):
            raise ValueError("reason: a declined declaration needs the declarer's reason")
        return self


class Finding(BaseModel):
    """An assessor's finding against one learning outcome."""

    outcome_code: OutcomeCode
    level: FindingLevel
    comment: str = Field("", max_length=4000)


class Assessment(BaseModel):
    """R12/R13: an assessor's findings and recommended outcome, awaiting ratification."""

    assessor_id: str
    findings: list[Finding]
    recommended_outcome: Outcome
    summary: str = Field("", max_length=4000)
    recorded_at: datetime


class AssessmentDraft(BaseModel):
    """An assessment in progress, saved by its assessor to be finished later."""

    assessor_id: str
    findings: list[Finding] = Field(default_factory=list)
    recommended_outcome: Outcome | None = None
    summary: str = Field("", max_length=4000)
    saved_at: datetime


class ApplicationContent(BaseModel):
    """The sections an applicant edits while drafting."""

    role_details: RoleDetails | None = None
    qualifications: list[Qualification] = Field(default_factory=list)
    documents: list[DocumentRef] = Field(default_factory=list)
    narrative: list[NarrativeSection] = Field(default_factory=list)
    cpd: list[CpdRecord] = Field(default_factory=list)

    def documents_of(self, kind: DocumentKind) -> list[DocumentRef]:
        return [d for d in self.documents if d.kind == kind]

    def document(self, document_id: str) -> DocumentRef | None:
        return next((d for d in self.documents if d.document_id == document_id), None)


class Application(BaseModel):
    """An application: who, which pathway and route, what kind, and its content."""

    application_id: str = Field(min_length=1, max_length=64)
    applicant: Applicant
    pathway: Pathway
    route: Route | None = Field(None, description="R03: initial accreditation only")
    kind: ApplicationKind = ApplicationKind.INITIAL
    content: ApplicationContent = Field(default_factory=ApplicationContent)
    declaration: Declaration | None = None

    @model_validator(mode="after")
    def _route_matches_kind(self) -> Self:
        if self.kind == ApplicationKind.INITIAL and self.route is None:
            raise ValueError(
                "route: initial accreditation needs a route (approved or non_approved)"
            )
        if self.kind == ApplicationKind.REACCREDITATION and self.route is not None:
            raise ValueError("route: re-accreditation has no route; leave it empty")
        return self
