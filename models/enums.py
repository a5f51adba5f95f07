"""The scheme's vocabulary as enums (R01, R03, R05, R13, R22)."""

from __future__ import annotations

from enum import StrEnum


class Pathway(StrEnum):
    """R01: the three accreditation pathways; the level is the FHEQ academic level."""

    MA_L4 = "MA_L4"
    AP_L4 = "AP_L4"
    AP_L5 = "AP_L5"


class Route(StrEnum):
    """R03: how the qualification was obtained (initial accreditation only)."""

    APPROVED = "approved"
    NON_APPROVED = "non_approved"


class ApplicationKind(StrEnum):
    INITIAL = "initial"
    REACCREDITATION = "reaccreditation"


class PractitionerRole(StrEnum):
    """The applicant's role, which decides the pathway family (R02)."""

    ASSISTANT_PRACTITIONER = "assistant_practitioner"
    MAMMOGRAPHY_ASSOCIATE = "mammography_associate"


class AreaOfPractice(StrEnum):
    """R05."""

    CLINICAL_IMAGING = "clinical_imaging"
    RADIOTHERAPY = "radiotherapy"
    BREAST_SCREENING = "breast_screening"
    AAA_SCREENING = "aaa_screening"
    OTHER = "other"


class FheqLevel(StrEnum):
    """The FHEQ level of a qualification; `other` covers equivalents below or outside it."""

    L4 = "4"
    L5 = "5"
    L6 = "6"
    OTHER = "other"


class MembershipStatus(StrEnum):
    """R21-R23: Society of Radiographers membership as the membership system reports it."""

    NON_MEMBER = "non_member"
    RADIOGRAPHIC_ASSISTANT = "radiographic_assistant"
    ACCREDITED_AP = "accredited_ap"
    ACCREDITED_MA = "accredited_ma"
    CANCELLED = "cancelled"


class DocumentKind(StrEnum):
    SCOPE_OF_PRACTICE = "scope_of_practice"
    CERTIFICATE = "certificate"
    OTHER = "other"


class DeclarerRole(StrEnum):
    """R09: who may complete the declaration."""

    MANAGER = "manager"
    PRACTICE_EDUCATOR = "practice_educator"


class DeclarationStatus(StrEnum):
    INVITED = "invited"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"


class FindingLevel(StrEnum):
    MET = "met"
    PARTLY_MET = "partly_met"
    NOT_MET = "not_met"


class Outcome(StrEnum):
    """R13."""

    ACCREDITED = "accredited"
    DEFERRED = "deferred"
    NOT_ACCREDITED = "not_accredited"


class Role(StrEnum):
    """Who acts, the one role enum: the people and systems a token names, the declarer and
    the CPD verifiers (who act through their links) and the service itself (timers)."""

    APPLICANT = "applicant"
    DECLARER = "declarer"
    VERIFIER = "verifier"
    """R08/R16: a CPD verifier, who acts through their single-use link."""
    ASSESSOR = "assessor"
    OFFICER = "officer"
    ADMIN = "admin"
    SYSTEM = "system"
    PORTAL = "portal"
    MEMBERSHIP = "membership"


TOKEN_ROLES = frozenset(
    {Role.APPLICANT, Role.ASSESSOR, Role.OFFICER, Role.ADMIN, Role.PORTAL, Role.MEMBERSHIP}
)
"""The roles a bearer token (or a session) may carry."""
PEOPLE_ROLES = frozenset({Role.APPLICANT, Role.ASSESSOR, Role.OFFICER, Role.ADMIN})
"""Token roles that act on applications as themselves."""
ACTING_ROLES = PEOPLE_ROLES | {Role.PORTAL}
"""Token roles that may be an update's actor: the people, and the member portal, which acts
only where ``models.permissions.ACTION_ROLES`` lets it (marking CPD it verified itself, R08)."""


class RegisterStatus(StrEnum):
    """R19/R20/R23: how an entry shows on the public register."""

    CURRENT = "current"
    SUSPENDED = "suspended"
    LAPSED = "lapsed"
