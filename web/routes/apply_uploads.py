"""A document uploaded from an applicant's page: stored and added to the application as the
JSON API's upload does (``api.uploads``), or the problem shown on the file field."""

from __future__ import annotations

from fastapi import status
from starlette.datastructures import FormData
from temporalio.client import WorkflowUpdateFailedError

from api.auth import Principal
from api.deps import DocumentStoreDep, TemporalDep
from api.documents import DocumentTooLarge, UnsupportedDocument, document_id_for
from api.errors import ApiError, update_refused
from api.uploads import read_within, store_and_add
from models.application import DocumentRef
from models.enums import DocumentKind
from models.views import ApplicationView
from web.routes.apply_forms import Problems, upload_in


async def upload_document(
    temporal: TemporalDep,
    store: DocumentStoreDep,
    principal: Principal,
    view: ApplicationView,
    form: FormData,
    *,
    name: str,
    kind: DocumentKind,
    problems: Problems,
    what: str,
) -> DocumentRef | None:
    """The file chosen in the form's field ``name``, kept and added to the application as a
    document of ``kind``; None, with the problem added on the field, when there is no file or
    it is refused (by the store, by size or type, or by the application)."""
    file = upload_in(form, name)
    if file is None:
        problems.add(name, f"select {what}")
        return None
    application_id = view.application.application_id
    try:
        content = await read_within(file, store.max_bytes)
        return await store_and_add(
            temporal,
            store,
            principal,
            application_id=application_id,
            content=content,
            filename=file.filename or "",
            kind=kind,
            document_id=document_id_for(application_id, None),
        )
    except DocumentTooLarge as err:
        _refused(problems, name, status.HTTP_413_CONTENT_TOO_LARGE, str(err))
    except UnsupportedDocument as err:
        _refused(problems, name, status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, str(err))
    except (WorkflowUpdateFailedError, ApiError) as err:
        refusal = update_refused(err)
        _refused(problems, name, refusal.status_code, str(refusal.detail))
    return None


def _refused(problems: Problems, name: str, status_code: int, message: str) -> None:
    problems.status_code = status_code
    problems.add(name, f"the file was not uploaded: {message}")
