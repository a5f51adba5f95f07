"""Applications as the applicant (through the portal) sees and edits them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Path, Query, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool
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
    ClientDep,
    DocumentStoreDep,
    Lister,
    Reader,
    SessionDep,
    SettingsDep,
)
from api.documents import MEDIA_TYPES, DocumentTooLarge, UnsupportedDocument
from api.schemas import ApplicationCreate, ApplicationUpdate, DeclarerInvite, WithdrawalCreate
from models.application import Application, DocumentRef
from models.commands import AddDocument, ApplicantAction, InviteDeclarer, SaveDraft, Withdraw
from models.enums import DocumentKind
from models.records import ApplicationSummary
from models.views import ApplicationView
from storage import queries

router = APIRouter(prefix="/applications", tags=["applications"])

_CHUNK = 64 * 1024


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_application(
    body: ApplicationCreate,
    principal: ApplicantOrPortal,
    client: ClientDep,
    settings: SettingsDep,
    catalogue: CatalogueDep,
) -> ApplicationView:
    """Start an application for the token's member (the portal may start one for any member)."""
    if principal.role == Role.APPLICANT and principal.sub != body.applicant.member_id:
        raise errors.forbidden(f"{principal.sub} may only apply as themself")
    try:
        application = Application(application_id=f"app-{uuid.uuid4().hex}", **dict(body))
    except ValidationError as err:
        raise errors.invalid_body(err) from err
    return await workflows.start(
        client, settings=settings, catalogue=catalogue, application=application
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
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [{"loc": ["query", "member_id"], "msg": "name the member", "type": "missing"}],
        )
    return queries.list_member_applications(session=session, member_id=member_id)


@router.get("/{application_id}")
async def read_application(
    application_id: ApplicationId, principal: Reader, client: ClientDep
) -> ApplicationView:
    """Where the application stands: state, missing items, allowed actions and deadlines."""
    view = await workflows.view(client, application_id)
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
    client: ClientDep,
    store: DocumentStoreDep,
) -> Response:
    """A document of the application, for its applicant, its assessor and staff."""
    view = await workflows.view(client, application_id)
    check_reader(principal, view)
    ref = view.application.content.document(document_id)
    if ref is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no document {document_id} here")
    try:
        content, media_type = await run_in_threadpool(store.read, ref)
    except FileNotFoundError as err:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"document {document_id} is no longer in the store"
        ) from err
    safe_name = ref.filename.replace('"', "")
    disposition = f'attachment; filename="{safe_name}"'
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


@router.patch("/{application_id}")
async def update_draft(
    application_id: ApplicationId, body: ApplicationUpdate, principal: Applicant, client: ClientDep
) -> ApplicationView:
    """Replace the draft sections given; the rest stay as they are."""
    command = SaveDraft(actor=actor(principal), **dict(body))
    return await workflows.update(client, application_id, "save_draft", command, principal)


@router.post("/{application_id}/documents", status_code=status.HTTP_201_CREATED)
async def upload_document(
    application_id: ApplicationId,
    kind: Annotated[DocumentKind, Form()],
    file: Annotated[UploadFile, File(description="PDF, PNG or JPEG")],
    principal: Applicant,
    client: ClientDep,
    store: DocumentStoreDep,
) -> DocumentRef:
    """Store a document (checked by content) and add it to the draft's documents."""
    view = await workflows.view(client, application_id)
    check_reader(principal, view)
    if "save_draft" not in view.allowed_actions:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"documents cannot be added while the application is {view.state}; "
            f"allowed now: {', '.join(view.allowed_actions) or 'none'}",
        )
    content = await _read_within(file, store.max_bytes)
    try:
        ref = store.save(content=content, filename=file.filename or "", kind=kind)
    except DocumentTooLarge as err:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, str(err)) from err
    except UnsupportedDocument as err:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, str(err)) from err
    command = AddDocument(actor=actor(principal), document=ref)
    await workflows.update(client, application_id, "add_document", command, principal)
    return ref


@router.post("/{application_id}/declarer")
async def invite_declarer(
    application_id: ApplicationId, body: DeclarerInvite, principal: Applicant, client: ClientDep
) -> ApplicationView:
    """R09: invite the manager or practice educator; a new invitation replaces the last."""
    command = InviteDeclarer(actor=actor(principal), **dict(body))
    return await workflows.update(client, application_id, "invite_declarer", command, principal)


@router.post("/{application_id}/submit")
async def submit_application(
    application_id: ApplicationId, principal: Applicant, client: ClientDep
) -> ApplicationView:
    """R10: submit; refused with every missing item (422) while anything is missing."""
    command = ApplicantAction(actor=actor(principal))
    return await workflows.update(client, application_id, "submit", command, principal)


@router.post("/{application_id}/resubmit")
async def resubmit_application(
    application_id: ApplicationId, principal: Applicant, client: ClientDep
) -> ApplicationView:
    """R13: resubmit a deferred application with the further evidence asked for."""
    command = ApplicantAction(actor=actor(principal))
    return await workflows.update(client, application_id, "resubmit", command, principal)


@router.post("/{application_id}/withdraw")
async def withdraw_application(
    application_id: ApplicationId,
    body: WithdrawalCreate,
    principal: ApplicantOrOfficer,
    client: ClientDep,
) -> ApplicationView:
    """Withdraw the application (the applicant, or an officer)."""
    command = Withdraw(actor=actor(principal), reason=body.reason)
    return await workflows.update(client, application_id, "withdraw", command, principal)


async def _read_within(file: UploadFile, limit: int) -> bytes:
    """The upload's bytes, refused (413) as soon as they pass ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await file.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE, f"documents may be at most {limit} bytes"
            )
        chunks.append(chunk)
    return b"".join(chunks)
