"""The applicant's section pages: role and scope (R05, R06) and the critical narrative (R08,
R16). Each saves its own section alone, by the draft update with only that section, so nothing
else in the application changes (R10).

The scope-of-practice document, qualifications, CPD and the declarer have pages of their own
(``apply_scope``, ``apply_qualifications``, ``apply_cpd``, ``apply_declarer``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from api.deps import CatalogueDep, TemporalDep
from models.application import NarrativeSection, RoleDetails
from models.labels import AREAS, ROLES
from models.pathways import PATHWAY_ROLE
from models.views import ApplicationView
from web.routes.apply_common import own_view
from web.routes.apply_forms import (
    Problems,
    act,
    choices,
    from_validation,
    max_length,
    page,
    save_section,
    text,
    typed,
)
from web.session import ApplicantSession

router = APIRouter(prefix="/apply/applications", include_in_schema=False)

ROLE_NAMES = {
    "job_title": "your job title",
    "employer": "your employer",
    "areas_of_practice": "at least one area of practice",
    "scope_summary": "a summary of your scope of practice",
}


# --- role and scope of practice (R05, R06) ------------------------------------------------------


def _role_page(
    request: Request, view: ApplicationView, form: Mapping[str, Any], problems: Problems
) -> Response:
    return page(
        request,
        "apply/sections/role.html",
        view,
        {"role": ROLES[PATHWAY_ROLE[view.application.pathway]], "areas": AREAS},
        problems=problems,
        form=form,
    )


@router.get("/{application_id}/role")
async def role_page(
    request: Request, application_id: str, principal: ApplicantSession, temporal: TemporalDep
) -> Response:
    """R05/R06: the role (implied by the pathway), job title, employer, areas of practice and
    the summary of the scope of practice."""
    view = await own_view(request, temporal, application_id, principal)
    if not isinstance(view, ApplicationView):
        return view
    saved = view.application.content.role_details
    form: dict[str, Any] = (
        saved.model_dump(mode="json")
        if saved
        else {"employer": view.application.applicant.employer, "areas_of_practice": []}
    )
    return _role_page(request, view, form, Problems())


@router.post("/{application_id}/role")
async def save_role(
    request: Request, application_id: str, principal: ApplicantSession, temporal: TemporalDep
) -> Response:
    """Save the role details alone; the role is the pathway's (R02)."""

    async def perform(view: ApplicationView, form: FormData) -> Problems | None:
        try:
            details = RoleDetails(
                role=PATHWAY_ROLE[view.application.pathway],
                job_title=text(form, "job_title"),
                employer=text(form, "employer"),
                areas_of_practice=choices(form, "areas_of_practice"),
                scope_summary=text(form, "scope_summary"),
            )
        except ValidationError as err:
            return from_validation(err, ROLE_NAMES, lambda f: f)
        return await save_section(temporal, view, principal, key=_role_field, role_details=details)

    return await act(
        request, temporal, principal, application_id,
        perform=perform,
        show=lambda view, form, problems: _role_page(request, view, form, problems),
        then=f"/apply/applications/{application_id}",
    )  # fmt: skip


def _role_field(field: str) -> str | None:
    name = field.removeprefix("role_details.")
    return name if name in ROLE_NAMES else None


# --- the critical narrative (R08, R16) ----------------------------------------------------------


def _narrative_page(
    request: Request,
    view: ApplicationView,
    catalogue: CatalogueDep,
    form: Mapping[str, Any],
    problems: Problems,
) -> Response:
    outcomes = catalogue.for_pathway(view.application.pathway).outcomes
    feedback = {f.get("outcome_code", ""): f.get("comment", "") for f in view.feedback}
    return page(
        request,
        "apply/sections/narrative.html",
        view,
        {"outcomes": outcomes, "feedback": feedback, "max_length": NARRATIVE_MAX},
        problems=problems,
        form=form,
    )


NARRATIVE_MAX = max_length(NarrativeSection, "text")


@router.get("/{application_id}/narrative")
async def narrative_page(
    request: Request,
    application_id: str,
    principal: ApplicantSession,
    temporal: TemporalDep,
    catalogue: CatalogueDep,
) -> Response:
    """R08/R16: one reflection per learning outcome of the pathway, saved together."""
    view = await own_view(request, temporal, application_id, principal)
    if not isinstance(view, ApplicationView):
        return view
    form = {f"narrative-{s.outcome_code}": s.text for s in view.application.content.narrative}
    return _narrative_page(request, view, catalogue, form, Problems())


@router.post("/{application_id}/narrative")
async def save_narrative(
    request: Request,
    application_id: str,
    principal: ApplicantSession,
    temporal: TemporalDep,
    catalogue: CatalogueDep,
) -> Response:
    """Save the narrative alone: a section for each outcome with text; sections for outcomes
    not on the page stay as they are."""

    async def perform(view: ApplicationView, form: FormData) -> Problems | None:
        codes = catalogue.for_pathway(view.application.pathway).outcome_codes()
        problems = Problems()
        sections: list[NarrativeSection] = []
        for code in codes:
            written = typed(form).get(f"narrative-{code}", "")
            if not isinstance(written, str) or not written.strip():
                continue
            try:
                sections.append(NarrativeSection(outcome_code=code, text=written.strip()))
            except ValidationError:
                problems.add(
                    f"narrative-{code}",
                    f"the narrative for {code} must be {NARRATIVE_MAX:,} characters or fewer",
                )
        if problems:
            return problems
        kept = [s for s in view.application.content.narrative if s.outcome_code not in codes]
        return await save_section(
            temporal, view, principal, key=_narrative_field, narrative=[*sections, *kept]
        )

    return await act(
        request, temporal, principal, application_id,
        perform=perform,
        show=lambda view, form, problems: _narrative_page(
            request, view, catalogue, form, problems
        ),
        then=f"/apply/applications/{application_id}",
    )  # fmt: skip


def _narrative_field(field: str) -> str | None:
    if field.startswith("narrative."):
        return f"narrative-{field.removeprefix('narrative.')}"
    return None
