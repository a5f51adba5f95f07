"""Staff actions on an application: allocation, assessment, verification, ratification, audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from api import application_workflows as workflows
from api.access import actor, check_reader
from api.auth import Principal
from api.deps import (
    ApplicationId,
    Assessor,
    AuditReader,
    IdempotencyKey,
    SessionDep,
    TemporalDep,
    may,
)
from api.schemas import (
    AllocationCreate,
    AssessmentCreate,
    AssessmentDraftUpdate,
    DecisionCreate,
)
from models.actions import Action
from models.application import AssessmentDraft
from models.commands import AllocateAssessor, Decision, RecordAssessment, SaveAssessmentDraft
from models.records import AuditEvent
from models.views import ActionResult
from storage import queries
from workflows.application import ApplicationWorkflow

router = APIRouter(prefix="/applications", tags=["staff"])


@router.post("/{application_id}/allocation")
async def allocate_assessor(
    application_id: ApplicationId,
    body: AllocationCreate,
    principal: Annotated[Principal, Depends(may(Action.ALLOCATE_ASSESSOR))],
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ActionResult:
    """R12: allocate or reallocate an independent assessor (named, or chosen by the service)."""
    command = AllocateAssessor(actor=actor(principal), **dict(body))
    return await workflows.update(
        temporal,
        application_id,
        ApplicationWorkflow.allocate_assessor,
        command,
        principal,
        idempotency_key=idempotency_key,
    )


@router.post("/{application_id}/assessment")
async def record_assessment(
    application_id: ApplicationId,
    body: AssessmentCreate,
    principal: Annotated[Principal, Depends(may(Action.RECORD_ASSESSMENT))],
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ActionResult:
    """R12/R13: the allocated assessor's findings per learning outcome and recommendation."""
    command = RecordAssessment(actor=actor(principal), **dict(body))
    return await workflows.update(
        temporal,
        application_id,
        ApplicationWorkflow.record_assessment,
        command,
        principal,
        idempotency_key=idempotency_key,
    )


@router.put("/{application_id}/assessment/draft")
async def save_assessment_draft(
    application_id: ApplicationId,
    body: AssessmentDraftUpdate,
    principal: Annotated[Principal, Depends(may(Action.SAVE_ASSESSMENT_DRAFT))],
    temporal: TemporalDep,
) -> ActionResult:
    """The allocated assessor saves unfinished findings, to finish and submit later; read them
    back at ``GET /applications/{application_id}/assessment/draft``."""
    command = SaveAssessmentDraft(actor=actor(principal), **dict(body))
    return await workflows.update(
        temporal, application_id, ApplicationWorkflow.save_assessment_draft, command, principal
    )


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
    principal: Annotated[Principal, Depends(may(Action.VERIFY))],
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ActionResult:
    """R11: a professional officer verifies an approved-route application."""
    command = Decision(actor=actor(principal), **dict(body))
    return await workflows.update(
        temporal,
        application_id,
        ApplicationWorkflow.verify,
        command,
        principal,
        idempotency_key=idempotency_key,
    )


@router.post("/{application_id}/ratification")
async def ratify_assessment(
    application_id: ApplicationId,
    body: DecisionCreate,
    principal: Annotated[Principal, Depends(may(Action.RATIFY))],
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ActionResult:
    """R13: a professional officer ratifies (or, with a reason, overrules) the recommendation."""
    command = Decision(actor=actor(principal), **dict(body))
    return await workflows.update(
        temporal,
        application_id,
        ApplicationWorkflow.ratify,
        command,
        principal,
        idempotency_key=idempotency_key,
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
