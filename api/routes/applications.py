"""Applications as the applicant (through the portal) sees and edits them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Query, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from api import application_workflows as workflows
from api import errors
from api.access import actor, check_reader
from api.auth import Principal, Role
from api.deps import (
    ApplicantOrPortal,
    ApplicationId,
    CatalogueDep,
    DocumentStoreDep,
    IdempotencyKey,
    Lister,
    Reader,
    SessionDep,
    SettingsDep,
    TemporalDep,
    may,
)
from api.documents import MEDIA_TYPES, DocumentNotFound, content_disposition, document_id_for
from api.schemas import (
    ApplicationAccepted,
    ApplicationCreate,
    ApplicationCreated,
    ApplicationUpdate,
    DeclarerInvite,
    WithdrawalCreate,
)
from api.uploads import read_within, store_and_add
from models.actions import Action
from models.application import Application, DocumentRef
from models.commands import ApplicantAction, InviteDeclarer, SaveDraft, Withdraw
from models.enums import DocumentKind
from models.records import ApplicationSummary
from models.views import ActionResult, ApplicationView
from storage import queries
from workflows.application import ApplicationWorkflow

router = APIRouter(prefix="/applications", tags=["applications"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationCreated,
    responses={
        202: {
            "model": ApplicationAccepted,
            "description": "created, but not readable yet: read it at the Location given",
        }
    },
)
async def create_application(
    body: ApplicationCreate,
    principal: ApplicantOrPortal,
    temporal: TemporalDep,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    idempotency_key: IdempotencyKey = None,
) -> ApplicationCreated | JSONResponse:
    """Start an application for the token's member (the portal may start one for any member):
    its id, state, allowed actions and what is still missing. Read the whole application at
    ``GET /applications/{application_id}``.

    With an ``Idempotency-Key``, sending the same create again answers the same application,
    as it stands now.
    """
    if principal.role == Role.APPLICANT and principal.sub != body.applicant.member_id:
        raise errors.forbidden(f"{principal.sub} may only apply as themself")
    application_id = (
        workflows.idempotent_id("app-", principal, idempotency_key)
        if idempotency_key
        else f"app-{uuid.uuid4().hex}"
    )
    try:
        application = Application(application_id=application_id, **dict(body))
    except ValidationError as err:
        raise errors.invalid_body(err) from err
    created = await workflows.start(
        temporal,
        settings=settings,
        catalogue=catalogue,
        application=application,
        principal=principal,
    )
    if created is not None:
        return created
    location = f"/applications/{application_id}"
    accepted = ApplicationAccepted(
        application_id=application_id,
        message="the application has been created; it can be read in a moment",
    )
    return JSONResponse(
        accepted.model_dump(mode="json"),
        status_code=status.HTTP_202_ACCEPTED,
        headers={"Location": location, "Retry-After": str(settings.retry_after_seconds)},
    )


@router.get("")
def list_applications(
    principal: Lister,
    session: SessionDep,
    member_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[ApplicationSummary]:
    """A member's applications, latest change first; applicants see only their own."""
    if principal.role == Role.APPLICANT:
        if member_id not in (None, principal.sub):
            raise errors.forbidden(f"{principal.sub} may only list their own applications")
        member_id = principal.sub
    if member_id is None:
        raise errors.missing("query", "member_id", "name the member")
    return queries.list_member_applications(session=session, member_id=member_id)


@router.get("/{application_id}")
async def read_application(
    application_id: ApplicationId, principal: Reader, temporal: TemporalDep
) -> ApplicationView:
    """Where the application stands: state, missing items, allowed actions and deadlines."""
    view = await workflows.view(temporal, application_id)
    check_reader(principal, view)
    return view


@router.get(
    "/{application_id}/documents/{document_id}",
    response_class=Response,
    responses={200: {"content": {m: {} for m in MEDIA_TYPES.values()}}},
)
async def download_document(
    application_id: ApplicationId,
    document_id: Annotated[str, Path(max_length=64)],
    principal: Reader,
    temporal: TemporalDep,
    store: DocumentStoreDep,
) -> Response:
    """A document uploaded to this application, for its applicant, its assessor and staff."""
    view = await workflows.view(temporal, application_id)
    check_reader(principal, view)
    ref = view.application.content.document(document_id)
    if ref is None:
        raise DocumentNotFound(document_id)
    content, media_type = await run_in_threadpool(store.read, application_id, ref)
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": content_disposition(ref.filename),
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.patch("/{application_id}")
async def update_draft(
    application_id: ApplicationId,
    body: ApplicationUpdate,
    principal: Annotated[Principal, Depends(may(Action.SAVE_DRAFT))],
    temporal: TemporalDep,
) -> ActionResult:
    """Replace the draft sections given; the rest stay as they are. Answers the state, the
    actions allowed now and what is still missing."""
    command = SaveDraft(actor=actor(principal), **dict(body))
    return await workflows.update(
        temporal, application_id, ApplicationWorkflow.save_draft, command, principal
    )


@router.post("/{application_id}/documents", status_code=status.HTTP_201_CREATED)
async def upload_document(
    application_id: ApplicationId,
    kind: Annotated[DocumentKind, Form()],
    file: Annotated[UploadFile, File(description="PDF, PNG or JPEG")],
    principal: Annotated[Principal, Depends(may(Action.ADD_DOCUMENT))],
    temporal: TemporalDep,
    store: DocumentStoreDep,
    idempotency_key: IdempotencyKey = None,
) -> DocumentRef:
    """Store a document (checked by content) and add it to the draft's documents.

    This is the only way a document enters an application; the application refuses it (403,
    404 or 409, as any action) unless its applicant adds it while the draft can change, and
    the upload is then forgotten. With an ``Idempotency-Key``, a retried upload names the same
    document and is added once.
    """
    content = await read_within(file, store.max_bytes)
    document_id = document_id_for(
        application_id,
        workflows.idempotent_id("", principal, idempotency_key) if idempotency_key else None,
    )
    return await store_and_add(
        temporal,
        store,
        principal,
        application_id=application_id,
        content=content,
        filename=file.filename or "",
        kind=kind,
        document_id=document_id,
    )


@router.post("/{application_id}/declarer")
async def invite_declarer(
    application_id: ApplicationId,
    body: DeclarerInvite,
    principal: Annotated[Principal, Depends(may(Action.INVITE_DECLARER))],
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ActionResult:
    """R09: invite the manager or practice educator; a new invitation replaces the last.

    With an ``Idempotency-Key``, a retried invitation is sent once.
    """
    command = InviteDeclarer(actor=actor(principal), **dict(body))
    return await workflows.update(
        temporal,
        application_id,
        ApplicationWorkflow.invite_declarer,
        command,
        principal,
        idempotency_key=idempotency_key,
    )


@router.post("/{application_id}/submit")
async def submit_application(
    application_id: ApplicationId,
    principal: Annotated[Principal, Depends(may(Action.SUBMIT))],
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ActionResult:
    """R10: submit; refused with every missing item (422) while anything is missing."""
    command = ApplicantAction(actor=actor(principal))
    return await workflows.update(
        temporal,
        application_id,
        ApplicationWorkflow.submit,
        command,
        principal,
        idempotency_key=idempotency_key,
    )


@router.post("/{application_id}/resubmit")
async def resubmit_application(
    application_id: ApplicationId,
    principal: Annotated[Principal, Depends(may(Action.RESUBMIT))],
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ActionResult:
    """R13: resubmit a deferred application with the further evidence asked for."""
    command = ApplicantAction(actor=actor(principal))
    return await workflows.update(
        temporal,
        application_id,
        ApplicationWorkflow.resubmit,
        command,
        principal,
        idempotency_key=idempotency_key,
    )


@router.post("/{application_id}/withdraw")
async def withdraw_application(
    application_id: ApplicationId,
    body: WithdrawalCreate,
    principal: Annotated[Principal, Depends(may(Action.WITHDRAW))],
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ActionResult:
    """Withdraw the application (the applicant, or an officer)."""
    command = Withdraw(actor=actor(principal), reason=body.reason)
    return await workflows.update(
        temporal,
        application_id,
        ApplicationWorkflow.withdraw,
        command,
        principal,
        idempotency_key=idempotency_key,
    )
