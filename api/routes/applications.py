"""Applications as the applicant (through the portal) sees and edits them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from api import application_workflows as workflows
from api import errors
from api.access import actor, check_reader
from api.auth import Role
from api.deps import (
    Applicant,
    ApplicantOrOfficer,
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
)
from api.documents import (
    MEDIA_TYPES,
    DocumentNotFound,
    DocumentTooLarge,
    UnsupportedDocument,
    content_disposition,
    document_id_for,
)
from api.errors import ApiError
from api.schemas import (
    ApplicationAccepted,
    ApplicationCreate,
    ApplicationUpdate,
    DeclarerInvite,
    WithdrawalCreate,
)
from models.application import Application, DocumentRef
from models.commands import AddDocument, ApplicantAction, InviteDeclarer, SaveDraft, Withdraw
from models.enums import DocumentKind
from models.records import ApplicationSummary
from models.views import ApplicationView
from storage import queries

router = APIRouter(prefix="/applications", tags=["applications"])

_CHUNK = 64 * 1024


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationView,
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
) -> ApplicationView | JSONResponse:
    """Start an application for the token's member (the portal may start one for any member).

    With an ``Idempotency-Key``, sending the same create again returns the same application.
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
    view = await workflows.start(
        temporal, settings=settings, catalogue=catalogue, application=application
    )
    if view is not None:
        check_reader(principal, view)
        return view
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
        raise ApiError(status.HTTP_404_NOT_FOUND, f"no document {document_id} here")
    try:
        content, media_type = await run_in_threadpool(store.read, application_id, ref)
    except DocumentNotFound as err:
        raise ApiError(
            status.HTTP_404_NOT_FOUND,
            f"document {document_id} was not uploaded to this application or is no longer kept",
        ) from err
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
    principal: Applicant,
    temporal: TemporalDep,
) -> ApplicationView:
    """Replace the draft sections given; the rest stay as they are."""
    command = SaveDraft(actor=actor(principal), **dict(body))
    return await workflows.update(temporal, application_id, "save_draft", command, principal)


@router.post("/{application_id}/documents", status_code=status.HTTP_201_CREATED)
async def upload_document(
    application_id: ApplicationId,
    kind: Annotated[DocumentKind, Form()],
    file: Annotated[UploadFile, File(description="PDF, PNG or JPEG")],
    principal: Applicant,
    temporal: TemporalDep,
    store: DocumentStoreDep,
    idempotency_key: IdempotencyKey = None,
) -> DocumentRef:
    """Store a document (checked by content) and add it to the draft's documents.

    This is the only way a document enters an application. With an ``Idempotency-Key``, a
    retried upload names the same document and is added once.
    """
    view = await workflows.view(temporal, application_id)
    check_reader(principal, view)
    if "save_draft" not in view.allowed_actions:
        raise ApiError(
            status.HTTP_409_CONFLICT,
            f"documents cannot be added while the application is {view.state}; "
            f"allowed now: {', '.join(view.allowed_actions) or 'none'}",
            allowed_actions=view.allowed_actions,
        )
    content = await _read_within(file, store.max_bytes)
    document_id = document_id_for(
        application_id,
        workflows.idempotent_id("", principal, idempotency_key) if idempotency_key else None,
    )
    try:
        ref = await run_in_threadpool(
            lambda: store.save(
                application_id=application_id,
                content=content,
                filename=file.filename or "",
                kind=kind,
                document_id=document_id,
            )
        )
    except DocumentTooLarge as err:
        raise ApiError(status.HTTP_413_CONTENT_TOO_LARGE, str(err)) from err
    except UnsupportedDocument as err:
        raise ApiError(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, str(err)) from err
    command = AddDocument(actor=actor(principal), document=ref)
    await workflows.update(
        temporal, application_id, "add_document", command, principal, update_id=ref.document_id
    )
    return ref


@router.post("/{application_id}/declarer")
async def invite_declarer(
    application_id: ApplicationId,
    body: DeclarerInvite,
    principal: Applicant,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ApplicationView:
    """R09: invite the manager or practice educator; a new invitation replaces the last.

    With an ``Idempotency-Key``, a retried invitation is sent once.
    """
    command = InviteDeclarer(actor=actor(principal), **dict(body))
    update_id = workflows.update_id("invite_declarer", principal, idempotency_key)
    return await workflows.update(
        temporal, application_id, "invite_declarer", command, principal, update_id=update_id
    )


@router.post("/{application_id}/submit")
async def submit_application(
    application_id: ApplicationId,
    principal: Applicant,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ApplicationView:
    """R10: submit; refused with every missing item (422) while anything is missing."""
    command = ApplicantAction(actor=actor(principal))
    return await workflows.update(
        temporal,
        application_id,
        "submit",
        command,
        principal,
        update_id=workflows.update_id("submit", principal, idempotency_key),
    )


@router.post("/{application_id}/resubmit")
async def resubmit_application(
    application_id: ApplicationId,
    principal: Applicant,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ApplicationView:
    """R13: resubmit a deferred application with the further evidence asked for."""
    command = ApplicantAction(actor=actor(principal))
    return await workflows.update(
        temporal,
        application_id,
        "resubmit",
        command,
        principal,
        update_id=workflows.update_id("resubmit", principal, idempotency_key),
    )


@router.post("/{application_id}/withdraw")
async def withdraw_application(
    application_id: ApplicationId,
    body: WithdrawalCreate,
    principal: ApplicantOrOfficer,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> ApplicationView:
    """Withdraw the application (the applicant, or an officer)."""
    command = Withdraw(actor=actor(principal), reason=body.reason)
    return await workflows.update(
        temporal,
        application_id,
        "withdraw",
        command,
        principal,
        update_id=workflows.update_id("withdraw", principal, idempotency_key),
    )


async def _read_within(file: UploadFile, limit: int) -> bytes:
    """The upload's bytes, refused (413) as soon as they pass ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await file.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise ApiError(
                status.HTTP_413_CONTENT_TOO_LARGE, f"documents may be at most {limit} bytes"
            )
        chunks.append(chunk)
    return b"".join(chunks)
