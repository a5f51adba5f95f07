"""Staff actions on an application: allocation, assessment, verification, ratification, audit."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api import application_workflows as workflows
from api.access import actor, check_reader
from api.deps import (
    ApplicationId,
    Assessor,
    AuditReader,
    IdempotencyKey,
    Officer,
    OfficerOrAdmin,
    SessionDep,
    TemporalDep,
)
from api.schemas import (
    AllocationCreate,
    AssessmentCreate,
    AssessmentDraftUpdate,
    DecisionCreate,
)
from models.application import AssessmentDraft
from models.commands import AllocateAssessor, Decision, RecordAssessment, SaveAssessmentDraft
from models.records import AuditEvent
from models.views import ApplicationView
from storage import queries

router = APIRouter(prefix="/applications", tags=["staff"])


@router.post("/{application_id}/allocation")
async def allocate_assessor(
    application_id: ApplicationId,
    body: AllocationCreate,
    principal: OfficerOrAdmin,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ApplicationView:
    """R12: allocate or reallocate an independent assessor (named, or chosen by the service)."""
    command = AllocateAssessor(actor=actor(principal), **dict(body))
    return await workflows.update(
        temporal,
        application_id,
        "allocate_assessor",
        command,
        principal,
        update_id=workflows.update_id("allocate_assessor", principal, idempotency_key),
    )


@router.post("/{application_id}/assessment")
async def record_assessment(
    application_id: ApplicationId,
    body: AssessmentCreate,
    principal: Assessor,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ApplicationView:
    """R12/R13: the allocated assessor's findings per learning outcome and recommendation."""
    command = RecordAssessment(actor=actor(principal), **dict(body))
    return await workflows.update(
        temporal,
        application_id,
        "record_assessment",
        command,
        principal,
        update_id=workflows.update_id("record_assessment", principal, idempotency_key),
    )


@router.put("/{application_id}/assessment/draft")
async def save_assessment_draft(
    application_id: ApplicationId,
    body: AssessmentDraftUpdate,
    principal: Assessor,
    temporal: TemporalDep,
) -> AssessmentDraft | None:
    """The allocated assessor saves unfinished findings, to finish and submit later."""
    command = SaveAssessmentDraft(actor=actor(principal), **dict(body))
    await workflows.update(temporal, application_id, "save_assessment_draft", command, principal)
    return await workflows.assessment_draft(temporal, application_id)


@router.get("/{application_id}/assessment/draft")
async def read_assessment_draft(
    application_id: ApplicationId, principal: Assessor, temporal: TemporalDep
) -> AssessmentDraft | None:
    """The allocated assessor's saved, unsubmitted findings (theirs alone), or null."""
    check_reader(principal, await workflows.view(temporal, application_id))
    return await workflows.assessment_draft(temporal, application_id)


@router.post("/{application_id}/verification")
async def verify_application(
    application_id: ApplicationId,
    body: DecisionCreate,
    principal: Officer,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ApplicationView:
    """R11: a professional officer verifies an approved-route application."""
    command = Decision(actor=actor(principal), **dict(body))
    return await workflows.update(
        temporal,
        application_id,
        "verify",
        command,
        principal,
        update_id=workflows.update_id("verify", principal, idempotency_key),
    )


@router.post("/{application_id}/ratification")
async def ratify_assessment(
    application_id: ApplicationId,
    body: DecisionCreate,
    principal: Officer,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ApplicationView:
    """R13: a professional officer ratifies (or, with a reason, overrules) the recommendation."""
    command = Decision(actor=actor(principal), **dict(body))
    return await workflows.update(
        temporal,
        application_id,
        "ratify",
        command,
        principal,
        update_id=workflows.update_id("ratify", principal, idempotency_key),
    )


@router.get("/{application_id}/audit")
async def read_audit_trail(
    application_id: ApplicationId,
    principal: AuditReader,
    temporal: TemporalDep,
    session: SessionDep,
) -> list[AuditEvent]:
    """The application's audit trail, oldest first (assessors: their allocated ones only)."""
    check_reader(principal, await workflows.view(temporal, application_id))
    return await run_in_threadpool(
        queries.audit_trail, session=session, application_id=application_id
    )
