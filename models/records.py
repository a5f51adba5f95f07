"""Messages between workflows and activities: what gets written to SQL or sent by email.

One pydantic model per activity argument; activities are idempotent on the keys named here.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from models.enums import (
    ApplicationKind,
    AreaOfPractice,
    MembershipStatus,
    Pathway,
    RegisterStatus,
    Role,
    Route,
)
from models.templates import Template


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class ApplicationSummary(_Record):
    """The read-model row for staff queues and the portal's listings (one per application)."""

    application_id: str
    member_id: str
    applicant_name: str
    registration_number: str
    pathway: Pathway
    route: Route | None
    kind: ApplicationKind
    state: str
    areas_of_practice: list[AreaOfPractice] = Field(default_factory=list)
    assessor_id: str | None = None
    queue: str | None = Field(
        None, description="staff queue the application waits in, e.g. awaiting_allocation"
    )
    due_at: datetime | None = Field(None, description="the next deadline, for 'overdue' lists")
    submitted_at: datetime | None = None
    updated_at: datetime
    version: int = Field(
        0, description="the workflow's event sequence: a row is never replaced by an older one"
    )


class AuditEvent(_Record):
    """One append-only audit row: who did what, when and why. ``event_id`` is unique."""

    event_id: str
    application_id: str
    actor_id: str
    actor_role: Role
    action: str
    from_state: str | None
    to_state: str | None
    reason: str | None = None
    at: datetime
    sequence: int = Field(0, description="the workflow's event sequence: orders same-time events")


class ReadModelUpdate(_Record):
    """Upsert the summary and append the event's audit rows in one transaction: one per
    workflow event (a submission that routes and allocates writes its three rows at once)."""

    summary: ApplicationSummary
    events: list[AuditEvent] = Field(max_length=20)


class Notification(_Record):
    """An email to send once: ``key`` is unique per workflow event (the outbox key)."""

    key: str
    template: Template
    to_email: EmailStr
    to_name: str
    context: dict[str, str] = Field(default_factory=dict)


class AllocationRequest(_Record):
    """R12: find an assessor for an application."""

    application_id: str
    applicant_member_id: str
    applicant_employer: str
    areas_of_practice: list[AreaOfPractice]
    exclude_assessor_ids: list[str] = Field(default_factory=list)
    requested_assessor_id: str | None = Field(
        None, description="an officer's choice: check only this assessor against R12"
    )


class Assessor(_Record):
    assessor_id: str
    name: str
    email: EmailStr
    member_id: str | None = None
    employer: str
    areas_of_practice: list[AreaOfPractice]
    active: bool = True


class AllocationResult(_Record):
    """The chosen assessor, or ``None`` with the reason it goes to the officers' queue."""

    assessor: Assessor | None
    reason: str | None = None


class RegisterEntry(_Record):
    """R19: the public register's fields only; no email, address, employer or evidence."""

    registration_number: str
    name: str
    pathway: Pathway
    areas_of_practice: list[AreaOfPractice]
    scope_of_practice: str
    accredited_from: date
    expires_on: date
    status: RegisterStatus


class AccreditationSummary(_Record):
    """The read-model row of a member's accreditation, for staff listings (one per member).

    Unlike the register entry it holds what staff need and the public must not see:
    membership, indemnity cover, an open re-accreditation, a pending scope change.
    """

    member_id: str
    name: str
    registration_number: str
    status: RegisterStatus | None
    pathway: Pathway | None = None
    accredited_from: date | None = None
    expires_on: date | None = None
    term: int = 0
    membership_status: MembershipStatus
    indemnity_covered: bool
    open_application_id: str | None = None
    scope_change_pending: bool = False
    updated_at: datetime
    version: int = Field(0, description="the workflow's change count: never replaced by older")
