"""The applicant's qualifications (R07, R08, R16): the list, adding one (an approved programme
from the pathway's list, or the details of another qualification) with its certificate,
uploading a certificate for one already listed, and removing one. Each change saves the
qualifications alone (R10). Changing one is ``apply_qualification_edit``, with the form's
parsing here (``qualification_from``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from api.access import actor
from api.auth import Principal
from api.deps import CatalogueDep, DocumentStoreDep, TemporalDep
from models.application import Qualification
from models.catalogue import PathwayCatalogue
from models.commands import SaveDraft
from models.enums import ApplicationKind, DocumentKind, Route
from models.labels import FHEQ_LEVELS
from models.views import ApplicationView
from web.routes.apply_common import own_view
from web.routes.apply_forms import (
    Problems,
    act,
    from_validation,
    page,
    read_date,
    send,
    text,
    upload_in,
)
from web.routes.apply_uploads import upload_document
from web.session import ApplicantSession
from workflows.application import ApplicationWorkflow

router = APIRouter(prefix="/apply/applications", include_in_schema=False)

NAMES = {
    "programme_id": "the approved programme you completed",
    "title": "the qualification's title",
    "awarding_body": "the awarding body",
    "fheq_level": "the qualification's FHEQ level",
    "completed_on": "the date you completed it",
}
ORDER = ["programme_id", "title", "awarding_body", "fheq_level", "completed_on", "certificate"]


def render_qualifications(
    request: Request,
    view: ApplicationView,
    catalogue: CatalogueDep,
    form: Mapping[str, Any],
    problems: Problems,
    template: str = "apply/sections/qualifications.html",
    **context: Any,
) -> Response:
    """The list page (or ``template``, such as the edit page), with what the form needs."""
    listed = catalogue.for_pathway(view.application.pathway)
    return page(
        request,
        template,
        view,
        {
            "approved": view.application.route == Route.APPROVED,
            "reaccreditation": view.application.kind == ApplicationKind.REACCREDITATION,
            "programmes": listed.programmes,
            "programme_titles": {p.id: f"{p.title}, {p.provider}" for p in listed.programmes},
            "levels": {level.value: words for level, words in FHEQ_LEVELS.items()},
            **context,
        },
        problems=problems,
        form=form,
        status_code=problems.status_code if problems else 200,
    )


def list_url(application_id: str, done: str) -> str:
    return f"/apply/applications/{application_id}/qualifications?done={done}"


@router.get("/{application_id}/qualifications")
async def qualifications_page(
    request: Request,
    application_id: str,
    principal: ApplicantSession,
    temporal: TemporalDep,
    catalogue: CatalogueDep,
) -> Response:
    """R07/R08/R16: the qualifications entered, each with its certificate, and a form to add
    one."""
    view = await own_view(request, temporal, application_id, principal)
    if not isinstance(view, ApplicationView):
        return view
    return render_qualifications(request, view, catalogue, {}, Problems())


def qualification_from(
    view: ApplicationView,
    listed: PathwayCatalogue,
    form: FormData,
    old: Qualification | None = None,
) -> Qualification | Problems:
    """The qualification the add or edit form describes, or its problems (in the page's
    order). An edit of ``old`` keeps what the form does not show: its certificate, details
    only the other route's form sets, and further learning outside re-accreditation."""
    problems = Problems()
    completed_on = read_date(form, "completed_on", NAMES["completed_on"], problems)
    values: dict[str, Any] = old.model_dump() if old else {}
    values["completed_on"] = completed_on or date.min
    if view.application.kind == ApplicationKind.REACCREDITATION or old is None:
        values["further_learning"] = text(form, "further_learning") == "yes"
    if view.application.route == Route.APPROVED:
        programme = listed.programme(text(form, "programme_id"))
        if programme is None:
            problems.add("programme_id", f"select {NAMES['programme_id']}")
        else:
            values.update(programme_id=programme.id, fheq_level=programme.fheq_level)
    else:
        values.update(
            title=text(form, "title") or None,
            awarding_body=text(form, "awarding_body") or None,
            fheq_level=text(form, "fheq_level"),
        )
        if values["title"] is None:
            problems.add("title", f"enter {NAMES['title']}")
    try:
        built = Qualification.model_validate(values)
    except ValidationError as err:
        problems.extend(from_validation(err, NAMES, lambda f: f))
        return problems.in_order(ORDER)
    return problems.in_order(ORDER) if problems else built


@router.post("/{application_id}/qualifications")
async def add_qualification(
    request: Request,
    application_id: str,
    principal: ApplicantSession,
    temporal: TemporalDep,
    catalogue: CatalogueDep,
    store: DocumentStoreDep,
) -> Response:
    """Add a qualification, and its certificate when one is chosen (stored, added to the
    application's documents, then named by the qualification)."""

    async def perform(view: ApplicationView, form: FormData) -> Problems | None:
        built = qualification_from(view, catalogue.for_pathway(view.application.pathway), form)
        if isinstance(built, Problems):
            return built
        problems = Problems()
        if upload_in(form, "certificate") is not None:
            ref = await upload_document(
                temporal, store, principal, view, form,
                name="certificate", kind=DocumentKind.CERTIFICATE, problems=problems,
                what="the certificate",
            )  # fmt: skip
            if ref is None:
                return problems
            built = built.model_copy(update={"certificate_document_id": ref.document_id})
        listed_now = [*view.application.content.qualifications, built]
        return await save(temporal, view, principal, listed_now)

    return await act(
        request, temporal, principal, application_id,
        perform=perform,
        show=lambda view, form, problems: render_qualifications(
            request, view, catalogue, form, problems
        ),
        then=list_url(application_id, "added"),
    )  # fmt: skip


@router.post("/{application_id}/qualifications/{index}/certificate")
async def upload_certificate(
    request: Request,
    application_id: str,
    index: int,
    principal: ApplicantSession,
    temporal: TemporalDep,
    catalogue: CatalogueDep,
    store: DocumentStoreDep,
) -> Response:
    """Upload the certificate of qualification ``index`` (it replaces any named before)."""
    name = f"certificate-{index}"

    async def perform(view: ApplicationView, form: FormData) -> Problems | None:
        listed = view.application.content.qualifications
        if not 0 <= index < len(listed):
            return gone()
        problems = Problems()
        ref = await upload_document(
            temporal, store, principal, view, form,
            name=name, kind=DocumentKind.CERTIFICATE, problems=problems,
            what=f"the certificate for qualification {index + 1}",
        )  # fmt: skip
        if ref is None:
            return problems
        updated = listed[index].model_copy(update={"certificate_document_id": ref.document_id})
        changed = [*listed[:index], updated, *listed[index + 1 :]]
        return await save(temporal, view, principal, changed)

    return await act(
        request, temporal, principal, application_id,
        perform=perform,
        show=lambda view, form, problems: render_qualifications(
            request, view, catalogue, {}, problems
        ),
        then=list_url(application_id, "certificate"),
    )  # fmt: skip


@router.post("/{application_id}/qualifications/{index}/remove")
async def remove_qualification(
    request: Request,
    application_id: str,
    index: int,
    principal: ApplicantSession,
    temporal: TemporalDep,
    catalogue: CatalogueDep,
) -> Response:
    """Remove qualification ``index`` (its certificate stays among the documents)."""

    async def perform(view: ApplicationView, form: FormData) -> Problems | None:
        listed = view.application.content.qualifications
        if not 0 <= index < len(listed):
            return gone()
        return await save(temporal, view, principal, [*listed[:index], *listed[index + 1 :]])

    return await act(
        request, temporal, principal, application_id,
        perform=perform,
        show=lambda view, form, problems: render_qualifications(
            request, view, catalogue, {}, problems
        ),
        then=list_url(application_id, "removed"),
    )  # fmt: skip


def gone() -> Problems:
    problems = Problems()
    problems.add(None, "That qualification is no longer listed: look again at your qualifications")
    return problems


async def save(
    temporal: TemporalDep,
    view: ApplicationView,
    principal: Principal,
    qualifications: list[Qualification],
) -> Problems | None:
    command = SaveDraft(actor=actor(principal), qualifications=qualifications)
    return await send(
        temporal, view, ApplicationWorkflow.save_draft, command, principal, lambda _: None
    )
