"""The applicant's CPD (R08, R16): the records, each with its verification in words; adding,
editing and removing one (saving the CPD alone, R10). Sending one to a verifier is
``apply_cpd_verify``.

Only CPD that someone else verified counts (R08). Editing a record's title, date or learning
outcomes withdraws its verification (``models.cpd_verification.carry_verifications``): the
edit form says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.access import actor
from api.auth import Principal
from api.deps import CatalogueDep, TemporalDep
from models.application import CpdRecord
from models.commands import SaveDraft
from models.cpd_verification import CpdVerificationStatus
from models.labels import CPD_VERIFICATION_STATUSES
from models.views import ApplicationView
from web.routes.apply_common import own_view
from web.routes.apply_forms import (
    Problems,
    act,
    choices,
    date_fields,
    from_validation,
    page,
    read_date,
    send,
    text,
)
from web.session import ApplicantSession
from workflows.application import ApplicationWorkflow

router = APIRouter(prefix="/apply/applications", include_in_schema=False)

NAMES = {
    "title": "what the activity was",
    "activity_date": "the date of the activity",
    "learning_outcomes": "a learning outcome",
}
ORDER = ["title", "activity_date", "learning_outcomes"]
STILL_VERIFYING = (CpdVerificationStatus.REQUESTED, CpdVerificationStatus.CONFIRMED)
"""A record whose verification an edit of its substance would withdraw."""


def render_cpd(
    request: Request,
    template: str,
    view: ApplicationView,
    catalogue: CatalogueDep,
    form: Mapping[str, Any],
    problems: Problems,
    **context: Any,
) -> Response:
    outcomes = catalogue.for_pathway(view.application.pathway).outcomes
    return page(
        request,
        template,
        view,
        {
            "outcomes": outcomes,
            "outcome_titles": {o.code: o.title for o in outcomes},
            "confirmed": CpdVerificationStatus.CONFIRMED,
            "still_verifying": STILL_VERIFYING,
            "statuses": CPD_VERIFICATION_STATUSES,
            **context,
        },
        problems=problems,
        form=form,
        status_code=problems.status_code if problems else 200,
    )


def cpd_list_url(application_id: str, done: str) -> str:
    return f"/apply/applications/{application_id}/cpd?done={done}"


def _record_form(record: CpdRecord) -> dict[str, Any]:
    parts = date_fields(record.activity_date)
    return {
        "title": record.title,
        "learning_outcomes": list(record.learning_outcomes),
        **{f"activity_date-{part}": value for part, value in parts.items()},
    }


@router.get("/{application_id}/cpd")
async def cpd_page(
    request: Request,
    application_id: str,
    principal: ApplicantSession,
    temporal: TemporalDep,
    catalogue: CatalogueDep,
) -> Response:
    """R08/R16: the CPD records, each with where its verification stands, and a form to add
    one."""
    view = await own_view(request, temporal, application_id, principal)
    if not isinstance(view, ApplicationView):
        return view
    return render_cpd(request, "apply/sections/cpd.html", view, catalogue, {}, Problems())


def _record(form: FormData, old: CpdRecord | None) -> CpdRecord | Problems:
    """The record the form describes (keeping an edited record's note of its verifier), or
    its problems."""
    problems = Problems()
    activity_date = read_date(form, "activity_date", NAMES["activity_date"], problems)
    try:
        built = CpdRecord(
            title=text(form, "title"),
            activity_date=activity_date or date.min,
            learning_outcomes=choices(form, "learning_outcomes"),
            verified_by=old.verified_by if old else None,
        )
    except ValidationError as err:
        problems.extend(from_validation(err, NAMES, lambda f: f))
        return problems.in_order(ORDER)
    return problems.in_order(ORDER) if problems else built


@router.post("/{application_id}/cpd")
async def add_cpd(
    request: Request,
    application_id: str,
    principal: ApplicantSession,
    temporal: TemporalDep,
    catalogue: CatalogueDep,
) -> Response:
    """Add a CPD record at the end of the list."""

    async def perform(view: ApplicationView, form: FormData) -> Problems | None:
        built = _record(form, None)
        if isinstance(built, Problems):
            return built
        return await _save(temporal, view, principal, [*view.application.content.cpd, built])

    return await act(
        request, temporal, principal, application_id,
        perform=perform,
        show=lambda view, form, problems: render_cpd(
            request, "apply/sections/cpd.html", view, catalogue, form, problems
        ),
        then=cpd_list_url(application_id, "added"),
    )  # fmt: skip


@router.get("/{application_id}/cpd/{index}")
async def edit_cpd_page(
    request: Request,
    application_id: str,
    index: int,
    principal: ApplicantSession,
    temporal: TemporalDep,
    catalogue: CatalogueDep,
) -> Response:
    """One CPD record to edit, saying what an edit does to its verification."""
    view = await own_view(request, temporal, application_id, principal)
    if not isinstance(view, ApplicationView):
        return view
    records = view.application.content.cpd
    if not 0 <= index < len(records):
        return RedirectResponse(f"/apply/applications/{application_id}/cpd", status_code=303)
    return render_cpd(
        request, "apply/sections/cpd_edit.html", view, catalogue,
        _record_form(records[index]), Problems(), index=index, record=records[index],
    )  # fmt: skip


@router.post("/{application_id}/cpd/{index}")
async def edit_cpd(
    request: Request,
    application_id: str,
    index: int,
    principal: ApplicantSession,
    temporal: TemporalDep,
    catalogue: CatalogueDep,
) -> Response:
    """Save the edited record in its place; an edit of its substance withdraws its
    verification (the workflow decides)."""

    async def perform(view: ApplicationView, form: FormData) -> Problems | None:
        records = view.application.content.cpd
        if not 0 <= index < len(records):
            return _gone()
        built = _record(form, records[index])
        if isinstance(built, Problems):
            return built
        changed = [*records[:index], built, *records[index + 1 :]]
        return await _save(temporal, view, principal, changed)

    def show(view: ApplicationView, form: Mapping[str, Any], problems: Problems) -> Response:
        records = view.application.content.cpd
        if not 0 <= index < len(records):
            return render_cpd(request, "apply/sections/cpd.html", view, catalogue, {}, problems)
        return render_cpd(
            request, "apply/sections/cpd_edit.html", view, catalogue, form, problems,
            index=index, record=records[index],
        )  # fmt: skip

    return await act(
        request, temporal, principal, application_id,
        perform=perform, show=show, then=cpd_list_url(application_id, "saved"),
    )  # fmt: skip


@router.post("/{application_id}/cpd/{index}/remove")
async def remove_cpd(
    request: Request,
    application_id: str,
    index: int,
    principal: ApplicantSession,
    temporal: TemporalDep,
    catalogue: CatalogueDep,
) -> Response:
    """Remove CPD record ``index`` (and with it any verification or pending request)."""

    async def perform(view: ApplicationView, form: FormData) -> Problems | None:
        records = view.application.content.cpd
        if not 0 <= index < len(records):
            return _gone()
        return await _save(temporal, view, principal, [*records[:index], *records[index + 1 :]])

    return await act(
        request, temporal, principal, application_id,
        perform=perform,
        show=lambda view, form, problems: render_cpd(
            request, "apply/sections/cpd.html", view, catalogue, {}, problems
        ),
        then=cpd_list_url(application_id, "removed"),
    )  # fmt: skip


def _gone() -> Problems:
    problems = Problems()
    problems.add(None, "That CPD record is no longer listed: look again at your CPD")
    return problems


async def _save(
    temporal: TemporalDep, view: ApplicationView, principal: Principal, cpd: list[CpdRecord]
) -> Problems | None:
    command = SaveDraft(actor=actor(principal), cpd=cpd)
    return await send(
        temporal, view, ApplicationWorkflow.save_draft, command, principal, lambda _: None
    )
