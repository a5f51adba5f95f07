"""The applicant's qualifications (R07, R08, R16): the list, adding one (an approved programme
from the pathway's list, or the details of another qualification) with its certificate,
uploading a certificate for one already listed, and removing one. Each change saves the
qualifications alone (R10). Changing one is ``apply_qualification_edit``, with the form's
parsing here (``qualification_from``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from api.deps import DocumentStoreDep
from models.application import Qualification
from models.catalogue import Catalogue
from models.enums import ApplicationKind, DocumentKind, Route
from models.labels import FHEQ_LEVELS
from models.views import ApplicationView
from web.routes.apply_forms import (
    Problems,
    act,
    from_validation,
    read_date,
    text,
    upload_in,
)
from web.routes.apply_lists import (
    ListSection,
    SectionRequestDep,
    add_item,
    list_page,
    remove_item,
    replaced,
)
from web.routes.apply_uploads import upload_document

router = APIRouter(prefix="/apply/applications", include_in_schema=False)

NAMES = {
    "programme_id": "the approved programme you completed",
    "title": "the qualification's title",
    "awarding_body": "the awarding body",
    "fheq_level": "the qualification's FHEQ level",
    "completed_on": "the date you completed it",
}
ORDER = ["programme_id", "title", "awarding_body", "fheq_level", "completed_on", "certificate"]


def _context(view: ApplicationView, catalogue: Catalogue) -> dict[str, Any]:
    """What the add and edit forms need: the route's and kind's fields, the pathway's approved
    programmes, the FHEQ levels in words."""
    listed = catalogue.for_pathway(view.application.pathway)
    return {
        "approved": view.application.route == Route.APPROVED,
        "reaccreditation": view.application.kind == ApplicationKind.REACCREDITATION,
        "programmes": listed.programmes,
        "programme_titles": {p.id: f"{p.title}, {p.provider}" for p in listed.programmes},
        "levels": {level.value: words for level, words in FHEQ_LEVELS.items()},
    }


def qualification_from(
    view: ApplicationView,
    catalogue: Catalogue,
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
        listed = catalogue.for_pathway(view.application.pathway)
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


QUALIFICATIONS = ListSection[Qualification](
    field="qualifications",
    item_name="qualification",
    list_template="apply/sections/qualifications.html",
    edit_template="apply/sections/qualification_edit.html",
    context=_context,
    build=qualification_from,
    gone_text="That qualification is no longer listed: look again at your qualifications",
    redirect_gone=False,
)


@router.get("/{application_id}/qualifications")
async def qualifications_page(asked: SectionRequestDep) -> Response:
    """R07/R08/R16: the qualifications entered, each with its certificate, and a form to add
    one."""
    return await list_page(asked, QUALIFICATIONS)


@router.post("/{application_id}/qualifications")
async def add_qualification(asked: SectionRequestDep, store: DocumentStoreDep) -> Response:
    """Add a qualification, and its certificate when one is chosen (stored, added to the
    application's documents, then named by the qualification)."""

    async def with_certificate(
        view: ApplicationView, form: FormData, built: Qualification
    ) -> Qualification | Problems:
        if upload_in(form, "certificate") is None:
            return built
        problems = Problems()
        ref = await upload_document(
            asked.temporal, store, asked.principal, view, form,
            name="certificate", kind=DocumentKind.CERTIFICATE, problems=problems,
            what="the certificate",
        )  # fmt: skip
        if ref is None:
            return problems
        return built.model_copy(update={"certificate_document_id": ref.document_id})

    return await add_item(asked, QUALIFICATIONS, attach=with_certificate)


@router.post("/{application_id}/qualifications/{index}/certificate")
async def upload_certificate(
    asked: SectionRequestDep, index: int, store: DocumentStoreDep
) -> Response:
    """Upload the certificate of qualification ``index`` (it replaces any named before)."""

    async def perform(view: ApplicationView, form: FormData) -> Problems | None:
        listed = QUALIFICATIONS.items(view)
        if not 0 <= index < len(listed):
            return QUALIFICATIONS.gone()
        problems = Problems()
        ref = await upload_document(
            asked.temporal, store, asked.principal, view, form,
            name=f"certificate-{index}", kind=DocumentKind.CERTIFICATE, problems=problems,
            what=f"the certificate for qualification {index + 1}",
        )  # fmt: skip
        if ref is None:
            return problems
        updated = listed[index].model_copy(update={"certificate_document_id": ref.document_id})
        return await QUALIFICATIONS.save(asked, view, replaced(listed, index, updated))

    return await act(
        asked.request, asked.temporal, asked.principal, asked.application_id,
        perform=perform,
        show=QUALIFICATIONS.show_list(asked),
        then=QUALIFICATIONS.list_url(asked.application_id, "certificate"),
    )  # fmt: skip


@router.post("/{application_id}/qualifications/{index}/remove")
async def remove_qualification(asked: SectionRequestDep, index: int) -> Response:
    """Remove qualification ``index`` (its certificate stays among the documents)."""
    return await remove_item(asked, index, QUALIFICATIONS)
