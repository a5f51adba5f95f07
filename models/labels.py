"""What the scheme's codes are called in words, for pages and people (one place)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from models.enums import (
    AreaOfPractice,
    DeclarerRole,
    FheqLevel,
    MembershipStatus,
    Pathway,
    PractitionerRole,
    RegisterStatus,
)

PATHWAYS: dict[Pathway, str] = {
    Pathway.MA_L4: "Mammography associate (FHEQ level 4)",
    Pathway.AP_L4: "Assistant practitioner (FHEQ level 4)",
    Pathway.AP_L5: "Assistant practitioner (FHEQ level 5)",
}

AREAS: dict[AreaOfPractice, str] = {
    AreaOfPractice.CLINICAL_IMAGING: "Clinical (diagnostic) imaging",
    AreaOfPractice.RADIOTHERAPY: "Radiotherapy",
    AreaOfPractice.BREAST_SCREENING: "Breast screening",
    AreaOfPractice.AAA_SCREENING: "AAA screening",
    AreaOfPractice.OTHER: "Other",
}

REGISTER_STATUSES: dict[RegisterStatus, str] = {
    RegisterStatus.CURRENT: "Current",
    RegisterStatus.SUSPENDED: "Suspended",
    RegisterStatus.LAPSED: "Lapsed",
}

ROLES: dict[PractitionerRole, str] = {
    PractitionerRole.ASSISTANT_PRACTITIONER: "Assistant practitioner",
    PractitionerRole.MAMMOGRAPHY_ASSOCIATE: "Mammography associate",
}

DECLARER_ROLES: dict[DeclarerRole, str] = {
    DeclarerRole.MANAGER: "Manager",
    DeclarerRole.PRACTICE_EDUCATOR: "Practice educator",
}


FHEQ_LEVELS: dict[FheqLevel, str] = {
    FheqLevel.L4: "Level 4",
    FheqLevel.L5: "Level 5",
    FheqLevel.L6: "Level 6",
    FheqLevel.OTHER: "Another level, or an equivalent qualification",
}

MEMBERSHIP_STATUSES: dict[MembershipStatus, str] = {
    MembershipStatus.NON_MEMBER: "Not a member",
    MembershipStatus.RADIOGRAPHIC_ASSISTANT: "Member (radiographic assistant)",
    MembershipStatus.ACCREDITED_AP: "Member (accredited assistant practitioner)",
    MembershipStatus.ACCREDITED_MA: "Member (accredited mammography associate)",
    MembershipStatus.CANCELLED: "Membership cancelled",
}

APPLICATION_STATES: dict[str, str] = {
    "draft": "Draft: not submitted yet",
    "awaiting_declaration": "Waiting for your manager's or practice educator's declaration",
    "submitted": "Submitted",
    "in_verification": "Being verified by a professional officer",
    "awaiting_allocation": "Submitted: waiting for an assessor",
    "in_assessment": "Being assessed",
    "awaiting_ratification": "Assessed: waiting for a professional officer's decision",
    "deferred": "Deferred: more evidence is needed",
    "accredited": "Accredited",
    "not_accredited": "Not accredited",
    "withdrawn": "Withdrawn",
    "closed": "Closed",
}
"""An application's state (``models.application_machine.ApplicationState``), for the applicant."""

DEADLINES: dict[str, str] = {
    "declaration_reminder": "Reminder to your declarer",
    "declaration_expiry": "Declaration invitation expires",
    "assessor_reminder": "Reminder to your assessor",
    "assessment_overdue": "Assessment due",
    "deferral_lapse": "Resubmit by (the application closes after this)",
    "draft_idle_warning": "Reminder about your unfinished draft",
    "draft_idle_close": "Draft closes if nothing changes",
    "expiry_reminder": "Expiry reminder",
    "expiry": "Accreditation expires",
}
"""Deadlines by name (``models.deadlines.DeadlineKind``, ``LifecycleDeadlineKind``)."""

CPD_VERIFICATION_STATUSES: dict[str, str] = {
    "requested": "Waiting for your verifier",
    "confirmed": "Verified",
    "declined": "Declined",
    "expired": "Request expired",
    "withdrawn": "Withdrawn",
}
"""A CPD record's verification (``models.cpd_verification.CpdVerificationStatus``)."""


def words(labels: Mapping[str, str], code: str | None) -> str:
    """The words for a plain-string ``code``; the code in words (``a_b`` as "A b") when it
    has none."""
    if code is None:
        return ""
    return labels.get(code) or code.replace("_", " ").capitalize()


E = TypeVar("E", bound=StrEnum)


def label(labels: Mapping[E, str], code: str | None) -> str:
    """The words for ``code`` in ``labels``; the code itself when it has none."""
    return next((words for key, words in labels.items() if key.value == code), code or "")
