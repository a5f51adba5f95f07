"""The emails the service sends: one name per template under ``activities/templates``."""

from __future__ import annotations

from enum import StrEnum


class Template(StrEnum):
    DECLARATION_INVITATION = "declaration_invitation"
    DECLARATION_REMINDER = "declaration_reminder"
    DECLARATION_DECLINED = "declaration_declined"
    DECLARATION_EXPIRED = "declaration_expired"
    CPD_VERIFICATION_REQUEST = "cpd_verification_request"
    CPD_VERIFICATION_REMINDER = "cpd_verification_reminder"
    CPD_VERIFICATION_DECLINED = "cpd_verification_declined"
    CPD_VERIFICATION_EXPIRED = "cpd_verification_expired"
    SUBMISSION_RECEIPT = "submission_receipt"
    ASSESSOR_ALLOCATED = "assessor_allocated"
    ASSESSOR_REMINDER = "assessor_reminder"
    ASSESSOR_RELEASED = "assessor_released"
    ASSESSMENT_OVERDUE = "assessment_overdue"
    ALLOCATION_NEEDED = "allocation_needed"
    DEFERRAL = "deferral"
    OUTCOME_ACCREDITED = "outcome_accredited"
    OUTCOME_NOT_ACCREDITED = "outcome_not_accredited"
    APPLICATION_CLOSED = "application_closed"
    DRAFT_CLOSING = "draft_closing"
    EXPIRY_REMINDER = "expiry_reminder"
    ACCREDITATION_LAPSED = "accreditation_lapsed"
    ACCREDITATION_RENEWED = "accreditation_renewed"
    ACCREDITATION_SUSPENDED = "accreditation_suspended"
    ACCREDITATION_RESTORED = "accreditation_restored"
    REACCREDITATION_STARTED = "reaccreditation_started"
    SCOPE_CHANGE_RECORDED = "scope_change_recorded"
