"""A member's accreditation after award: the messages a member workflow receives, its state and
its query answer (R14, R15, R17-R20, R22, R23).

The rules that move this state live in ``models.lifecycle``; the timers in
``models.lifecycle_deadlines``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from models.application import Applicant, RoleDetails
from models.catalogue import Catalogue
from models.commands import Actor
from models.enums import (
    ApplicationKind,
    AreaOfPractice,
    FheqLevel,
    MembershipStatus,
    Outcome,
    Pathway,
    PractitionerRole,
    RegisterStatus,
)
from models.policy import Policy
from models.views import DeadlineView

# Message names on the member workflow (the application workflow and the API send these).
ACCREDITATION_WORKFLOW = "Accreditation"
AWARD = "award"
"""The member workflow's type and its award signal, by name for the one caller that cannot
name them by method: the award activity's signal-with-start (``start_signal`` takes a name).
The workflow's definitions use these constants, and a test checks that they match."""

ROLE_TITLES: dict[PractitionerRole, str] = {
    PractitionerRole.ASSISTANT_PRACTITIONER: "Assistant practitioner",
    PractitionerRole.MAMMOGRAPHY_ASSOCIATE: "Mammography associate",
}


def accreditation_workflow_id(member_id: str) -> str:
    """The stable id of a member's accreditation workflow (one per member)."""
    return f"accreditation-{member_id}"


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True)


class AwardNotice(_Message):
    """R14: an accreditation awarded for the scope that was assessed, with the term it runs."""

    application_id: str = Field(min_length=1, max_length=64)
    kind: ApplicationKind
    member: Applicant
    pathway: Pathway
    role: PractitionerRole
    areas_of_practice: list[AreaOfPractice] = Field(min_length=1)
    scope_summary: str = Field(min_length=1, max_length=2000)
    job_title: str | None = Field(None, max_length=200)
    employer: str | None = Field(None, max_length=200)
    levels_held: list[FheqLevel] = Field(
        default_factory=list, description="R17: qualification levels held, for re-accreditation"
    )
    awarded_on: date
    accredited_from: date
    expires_on: date

    @property
    def key(self) -> str:
        return f"award:{self.application_id}"

    @model_validator(mode="after")
    def _term_in_order(self) -> Self:
        if not self.accredited_from < self.expires_on:
            raise ValueError("expires_on: the term must end after accredited_from")
        return self


class ReaccreditationSubmitted(_Message):
    """R20: the open re-accreditation was submitted (or resubmitted after a deferral)."""

    application_id: str = Field(min_length=1, max_length=64)
    submitted_at: datetime

    @property
    def key(self) -> str:
        return f"submitted:{self.application_id}:{self.submitted_at.isoformat()}"


class ReaccreditationDecided(_Message):
    """R13/R20: the open re-accreditation was deferred or refused (an award reaches the
    member's workflow the one way every award does: as its ``AwardNotice``)."""

    application_id: str = Field(min_length=1, max_length=64)
    outcome: Outcome
    decided_at: datetime

    @property
    def key(self) -> str:
        return f"decided:{self.application_id}:{self.decided_at.isoformat()}"

    @model_validator(mode="after")
    def _not_an_award(self) -> Self:
        if self.outcome == Outcome.ACCREDITED:
            raise ValueError("outcome: an award is sent as its award notice, not as a decision")
        return self


class ReaccreditationClosed(_Message):
    """The open re-accreditation ended undecided (withdrawn, or closed by a deadline)."""

    application_id: str = Field(min_length=1, max_length=64)
    closed_at: datetime
    reason: str = Field("", max_length=2000)

    @property
    def key(self) -> str:
        return f"closed:{self.application_id}"


class MembershipChanged(_Message):
    """R22/R23: the membership system reports a member's status from ``effective_at``."""

    event_id: str = Field(min_length=1, max_length=128)
    status: MembershipStatus
    effective_at: datetime

    @property
    def key(self) -> str:
        return f"membership:{self.event_id}"


class ScopeChanged(_Message):
    """R18: the member's scope of practice changed; it needs re-accreditation to be accredited."""

    event_id: str = Field(min_length=1, max_length=128)
    role_details: RoleDetails
    reason: str = Field("", max_length=2000)
    changed_at: datetime

    @property
    def key(self) -> str:
        return f"scope:{self.event_id}"


class StartReaccreditation(BaseModel):
    """R15/R17: start a re-accreditation; the scope defaults to the one to be accredited."""

    actor: Actor
    role_details: RoleDetails | None = None


class Accreditation(BaseModel):
    """R14: what is accredited: the assessed scope, the pathway and the term."""

    application_id: str
    pathway: Pathway
    role: PractitionerRole
    job_title: str
    employer: str
    areas_of_practice: list[AreaOfPractice]
    scope_summary: str
    levels_held: list[FheqLevel] = Field(default_factory=list)
    awarded_on: date
    accredited_from: date
    expires_on: date

    @classmethod
    def from_notice(cls, notice: AwardNotice) -> Accreditation:
        return cls(
            application_id=notice.application_id,
            pathway=notice.pathway,
            role=notice.role,
            job_title=notice.job_title or ROLE_TITLES[notice.role],
            employer=notice.employer or notice.member.employer,
            areas_of_practice=notice.areas_of_practice,
            scope_summary=notice.scope_summary,
            levels_held=notice.levels_held,
            awarded_on=notice.awarded_on,
            accredited_from=notice.accredited_from,
            expires_on=notice.expires_on,
        )

    def role_details(self) -> RoleDetails:
        return RoleDetails(
            role=self.role,
            job_title=self.job_title,
            employer=self.employer,
            areas_of_practice=self.areas_of_practice,
            scope_summary=self.scope_summary,
        )


class LifecycleEvent(BaseModel):
    """One entry of the short history: what changed, and the term after it."""

    at: datetime
    action: str
    status: RegisterStatus | None
    accredited_from: date | None = None
    expires_on: date | None = None
    application_id: str | None = None
    reason: str | None = None


class AccreditationProgress(BaseModel):
    """All of a member workflow's state: what continue-as-new carries."""

    member: Applicant
    membership_status: MembershipStatus
    membership_changed_at: datetime | None = None
    accreditation: Accreditation | None = None
    status: RegisterStatus | None = None
    term: int = 0
    term_started_at: datetime | None = None
    fired: list[str] = Field(default_factory=list, description="deadline keys fired this term")
    open_application_id: str | None = None
    reaccreditation_submitted_at: datetime | None = None
    reaccreditation_decided_at: datetime | None = None
    pending_scope: ScopeChanged | None = None
    seen: list[str] = Field(default_factory=list, description="recent message keys, bounded")
    history: list[LifecycleEvent] = Field(default_factory=list)
    changes: int = Field(0, description="changes recorded so far: orders read-model writes")


class AccreditationInput(BaseModel):
    """Everything a member workflow needs for its whole life; ``progress`` to resume."""

    member: Applicant
    catalogue: Catalogue
    policy: Policy = Field(default_factory=Policy)
    declaration_link_base: str = Field(
        "http://127.0.0.1:8000/declare", description="passed to re-accreditations"
    )
    cpd_verification_link_base: str = Field(
        "http://127.0.0.1:8000/verify-cpd", description="passed to re-accreditations"
    )
    officers_email: EmailStr = "officers@cor.example"
    non_member_fee_pence: int = Field(0, ge=0, description="R21: passed to re-accreditations")
    progress: AccreditationProgress | None = None


class AccreditationView(BaseModel):
    """The query answer: the member's accreditation as it stands."""

    member_id: str
    name: str
    registration_number: str
    status: RegisterStatus | None
    pathway: Pathway | None = None
    role: PractitionerRole | None = None
    scope_summary: str | None = None
    areas_of_practice: list[AreaOfPractice] = Field(default_factory=list)
    accredited_from: date | None = None
    expires_on: date | None = None
    term: int = 0
    membership_status: MembershipStatus
    indemnity_covered: bool
    open_application_id: str | None = None
    reaccreditation_submitted_at: datetime | None = None
    pending_scope: RoleDetails | None = Field(
        None, description="R18: a changed scope awaiting re-accreditation (not yet accredited)"
    )
    may_start_reaccreditation: bool = Field(
        False, description="R15: whether the member may start a re-accreditation now"
    )
    reaccreditation_refusal: str | None = Field(
        None, description="R15/R23: why the member may not start one now, when they may not"
    )
    deadlines: list[DeadlineView] = Field(default_factory=list)
    history: list[LifecycleEvent] = Field(default_factory=list)
