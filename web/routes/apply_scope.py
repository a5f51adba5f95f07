"""R06: the applicant's scope-of-practice document, uploaded as the JSON API uploads (stored,
then added to the application by its update), and every document uploaded, each opened from
the applicant's own link.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from api.deps import DocumentStoreDep, TemporalDep
from models.enums import DocumentKind
from models.views import ApplicationView
from web.inline_documents import inline_document
from web.routes.apply_common import not_found, own_view
from web.routes.apply_forms import Problems, act, page
from web.routes.apply_uploads import upload_document
from web.session import ApplicantSession

router = APIRouter(prefix="/apply/applications", include_in_schema=False)


def _scope_page(
    request: Request, view: ApplicationView, form: Mapping[str, Any], problems: Problems
) -> Response:
    return page(
        request,
        "apply/sections/scope.html",
        view,
        {"kinds": {k.value: k.value.replace("_", " ") for k in DocumentKind}},
        problems=problems,
        form=form,
    )


@router.get("/{application_id}/scope")
async def scope_page(
    request: Request, application_id: str, principal: ApplicantSession, temporal: TemporalDep
) -> Response:
    """R06: upload the agreed written scope of practice; every document uploaded, listed."""
    view = await own_view(request, temporal, application_id, principal)
    if not isinstance(view, ApplicationView):
        return view
    return _scope_page(request, view, {}, Problems())


@router.post("/{application_id}/scope")
async def upload_scope(
    request: Request,
    application_id: str,
    principal: ApplicantSession,
    temporal: TemporalDep,
    store: DocumentStoreDep,
) -> Response:
    """Store the document and add it to the application (as the JSON API's upload does)."""

    async def perform(view: ApplicationView, form: FormData) -> Problems | None:
        problems = Problems()
        await upload_document(
            temporal, store, principal, view, form,
            name="scope_document", kind=DocumentKind.SCOPE_OF_PRACTICE, problems=problems,
            what="your scope of practice document",
        )  # fmt: skip
        return problems

    return await act(
        request, temporal, principal, application_id,
        perform=perform,
        show=lambda view, form, problems: _scope_page(request, view, form, problems),
        then=f"/apply/applications/{application_id}/scope?done=uploaded",
    )  # fmt: skip


@router.get("/{application_id}/documents/{document_id}")
async def own_document(
    request: Request,
    application_id: str,
    document_id: str,
    principal: ApplicantSession,
    temporal: TemporalDep,
    store: DocumentStoreDep,
) -> Response:
    """A document of the applicant's own application, opened in the browser."""
    view = await own_view(request, temporal, application_id, principal)
    if not isinstance(view, ApplicationView):
        return view
    found = await inline_document(store, view, document_id)
    return found if found is not None else not_found(request, application_id)
