"""An upload to an application: the document kept by the store, then added to the draft by the
``add_document`` update; a refused update forgets the upload. The JSON API and the applicant's
pages both upload through here, so a document enters an application one way only.
"""

from __future__ import annotations

from fastapi import status
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from temporalio.client import WorkflowUpdateFailedError

from api import application_workflows as workflows
from api.access import actor
from api.auth import Principal
from api.documents import DocumentStore
from api.errors import ApiError
from api.temporal import Temporal
from models.application import DocumentRef
from models.commands import AddDocument
from models.enums import DocumentKind
from workflows.application import ApplicationWorkflow

_CHUNK = 64 * 1024


async def read_within(file: UploadFile, limit: int) -> bytes:
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


async def store_and_add(
    temporal: Temporal,
    store: DocumentStore,
    principal: Principal,
    *,
    application_id: str,
    content: bytes,
    filename: str,
    kind: DocumentKind,
    document_id: str,
) -> DocumentRef:
    """Keep ``content`` (checked by content) as ``document_id`` and add it to the draft.

    The application refuses it (as any action) unless its applicant adds it while the draft can
    change; the upload is then forgotten, unless an earlier request with the same document id
    recorded it (the application may hold that one). An update that timed out may yet run, so
    its upload stays.

    Raises:
        DocumentTooLarge, UnsupportedDocument: the store refused the content.
        WorkflowUpdateFailedError, ApiError: the application refused the document.
        TemporalUnavailable: the workflow service did not answer.
    """
    upload = await run_in_threadpool(
        lambda: store.upload(
            application_id=application_id,
            content=content,
            filename=filename,
            kind=kind,
            document_id=document_id,
        )
    )
    command = AddDocument(actor=actor(principal), document=upload.ref)
    try:
        await workflows.update(
            temporal,
            application_id,
            ApplicationWorkflow.add_document,
            command,
            principal,
            update_id=upload.ref.document_id,
        )
    except (WorkflowUpdateFailedError, ApiError):
        if upload.new:
            await run_in_threadpool(store.discard, application_id, upload.ref)
        raise
    return upload.ref
