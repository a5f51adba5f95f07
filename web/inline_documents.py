"""A document of an application opened in the browser, for the pages of whoever may see it
(the applicant's own pages, the staff console)."""

from __future__ import annotations

from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from api.documents import DocumentNotFound, DocumentStore, content_disposition
from models.views import ApplicationView


async def inline_document(
    store: DocumentStore, view: ApplicationView, document_id: str
) -> Response | None:
    """The document ``document_id`` of the application ``view`` shows, to open inline (under
    its own name, never sniffed as another type); None when the application has no such
    document or the store has lost it (the caller answers its own "not found" page)."""
    ref = view.application.content.document(document_id)
    if ref is None:
        return None
    try:
        content, media_type = await run_in_threadpool(
            store.read, view.application.application_id, ref
        )
    except DocumentNotFound:
        return None
    disposition = content_disposition(ref.filename).replace("attachment", "inline", 1)
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"},
    )
