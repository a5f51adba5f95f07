"""Changing one of the applicant's qualifications (R07, R08, R16): the add form's fields,
filled in from the qualification, checked as the add form is (``qualification_from``), and
saved in its place with the qualifications alone (R10). Its certificate stays attached;
uploading another is on the list page (``apply_qualifications``).

The start page saves a qualification with only its level and date: this is where the
applicant then gives its title and awarding body (what readiness asks for).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request, status
from starlette.datastructures import FormData
from starlette.responses import Response

from api.deps import CatalogueDep, TemporalDep
from models.application import Qualification
from models.views import ApplicationView
from web.routes.apply_common import own_view
from web.routes.apply_forms import Problems, act, date_fields
from web.routes.apply_qualifications import (
    gone,
    list_url,
    qualification_from,
    render_qualifications,
    save,
)
from web.session import ApplicantSession

router = APIRouter(prefix="/apply/applications", include_in_schema=False)

TEMPLATE = "apply/sections/qualification_edit.html"


def _qualification_form(qualification: Qualification) -> dict[str, Any]:
    """The qualification as the form's fields (as the browser would send them)."""
    parts = date_fields(qualification.completed_on)
    return {
        "programme_id": qualification.programme_id or "",
        "title": qualification.title or "",
        "awarding_body": qualification.awarding_body or "",
        "fheq_level": qualification.fheq_level.value,
        "further_learning": "yes" if qualification.further_learning else "",
        **{f"completed_on-{part}": value for part, value in parts.items()},
    }


def _show(
    request: Request,
    view: ApplicationView,
    catalogue: CatalogueDep,
    index: int,
    form: Mapping[str, Any],
    problems: Problems,
) -> Response:
    """The edit page of qualification ``index``; the list page saying it has gone when it is
    no longer listed."""
    listed = view.application.content.qualifications
    if not 0 <= index < len(listed):
        return render_qualifications(request, view, catalogue, {}, problems)
    return render_qualifications(
        request, view, catalogue, form, problems, TEMPLATE,
        index=index, qualification=listed[index],
    )  # fmt: skip


@router.get("/{application_id}/qualifications/{index}")
async def edit_qualification_page(
    request: Request,
    application_id: str,
    index: int,
    principal: ApplicantSession,
    temporal: TemporalDep,
    catalogue: CatalogueDep,
) -> Response:
    """Qualification ``index`` to change, its fields filled in."""
    view = await own_view(request, temporal, application_id, principal)
    if not isinstance(view, ApplicationView):
        return view
    listed = view.application.content.qualifications
    if not 0 <= index < len(listed):
        problems = gone()
        problems.status_code = status.HTTP_404_NOT_FOUND
        return _show(request, view, catalogue, index, {}, problems)
    return _show(request, view, catalogue, index, _qualification_form(listed[index]), Problems())


@router.post("/{application_id}/qualifications/{index}")
async def edit_qualification(
    request: Request,
    application_id: str,
    index: int,
    principal: ApplicantSession,
    temporal: TemporalDep,
    catalogue: CatalogueDep,
) -> Response:
    """Save the changed qualification in its place, keeping its certificate."""

    async def perform(view: ApplicationView, form: FormData) -> Problems | None:
        listed = view.application.content.qualifications
        if not 0 <= index < len(listed):
            return gone()
        pathway = catalogue.for_pathway(view.application.pathway)
        built = qualification_from(view, pathway, form, listed[index])
        if isinstance(built, Problems):
            return built
        return await save(temporal, view, principal, [*listed[:index], built, *listed[index + 1 :]])

    return await act(
        request, temporal, principal, application_id,
        perform=perform,
        show=lambda view, form, problems: _show(request, view, catalogue, index, form, problems),
        then=list_url(application_id, "saved"),
    )  # fmt: skip
