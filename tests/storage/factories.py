"""Valid records for tests, each field overridable by keyword."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from models.enums import (
    ApplicationKind,
    AreaOfPractice,
    MembershipStatus,
    Pathway,
    RegisterStatus,
    Role,
    Route,
)
from models.records import (
    AccreditationSummary,
    AllocationRequest,
    ApplicationSummary,
    Assessor,
    AuditEvent,
    RegisterEntry,
)

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def summary(**overrides: Any) -> ApplicationSummary:
    values: dict[str, Any] = {
        "application_id": "APP-1",
        "member_id": "M-1",
        "applicant_name": "Sam Applicant",
        "registration_number": "AP-000001",
        "pathway": Pathway.AP_L4,
        "route": Route.NON_APPROVED,
        "kind": ApplicationKind.INITIAL,
        "state": "submitted",
        "areas_of_practice": [AreaOfPractice.CLINICAL_IMAGING],
        "updated_at": T0,
    }
    return ApplicationSummary(**(values | overrides))


def event(**overrides: Any) -> AuditEvent:
    values: dict[str, Any] = {
        "event_id": "APP-1:1",
        "application_id": "APP-1",
        "actor_id": "M-1",
        "actor_role": Role.APPLICANT,
        "action": "submit",
        "from_state": "draft",
        "to_state": "submitted",
        "at": T0,
    }
    return AuditEvent(**(values | overrides))


def register_entry(**overrides: Any) -> RegisterEntry:
    values: dict[str, Any] = {
        "registration_number": "AP-000001",
        "name": "Sam Applicant",
        "pathway": Pathway.AP_L4,
        "areas_of_practice": [AreaOfPractice.CLINICAL_IMAGING],
        "scope_of_practice": "Plain film imaging of the appendicular skeleton",
        "accredited_from": date(2027, 3, 1),
        "expires_on": date(2029, 3, 1),
        "status": RegisterStatus.CURRENT,
    }
    return RegisterEntry(**(values | overrides))


def assessor(**overrides: Any) -> Assessor:
    values: dict[str, Any] = {
        "assessor_id": "ASR-1",
        "name": "Alex Assessor",
        "email": "alex@assessors.example",
        "member_id": "M-900",
        "employer": "Northgate Hospitals",
        "areas_of_practice": [AreaOfPractice.CLINICAL_IMAGING],
    }
    return Assessor(**(values | overrides))


def accreditation(**overrides: Any) -> AccreditationSummary:
    values: dict[str, Any] = {
        "member_id": "M-1",
        "name": "Sam Applicant",
        "registration_number": "AP-000001",
        "status": RegisterStatus.CURRENT,
        "pathway": Pathway.AP_L4,
        "accredited_from": T0.date(),
        "expires_on": T0.date() + timedelta(days=730),
        "term": 1,
        "membership_status": MembershipStatus.ACCREDITED_AP,
        "indemnity_covered": True,
        "updated_at": T0,
        "version": 1,
    }
    return AccreditationSummary(**(values | overrides))


def allocation_request(**overrides: Any) -> AllocationRequest:
    values: dict[str, Any] = {
        "application_id": "APP-1",
        "applicant_member_id": "M-1",
        "applicant_employer": "Southmoor University Hospitals",
        "areas_of_practice": [AreaOfPractice.CLINICAL_IMAGING],
    }
    return AllocationRequest(**(values | overrides))
