"""The applicant's CPD (R08, R16): the records, each with its verification in words; adding,
editing and removing one (saving the CPD alone, R10). Sending one to a verifier is
``apply_cpd_verify``.

Only CPD that someone else verified counts (R08). Editing a record's title, date or learning
outcomes withdraws its verification (``models.cpd_verification.carry_verifications``): the
edit form says so.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from models.application import CpdRecord
from models.catalogue import Catalogue
from models.cpd_verification import CpdVerificationStatus
from models.labels import CPD_VERIFICATION_STATUSES
from models.views import ApplicationView
from web.routes.apply_forms import (
    Problems,
    choices,
    date_fields,
    from_validation,
    read_date,
    text,
)
from web.routes.apply_lists import (
    ListSection,
    SectionRequestDep,
    add_item,
    edit_item,
    item_page,
    list_page,
    remove_item,
)

router = APIRouter(prefix="/apply/applications", include_in_schema=False)

NAMES = {
    "title": "what the activity was",
    "activity_date": "the date of the activity",
    "learning_outcomes": "a learning outcome",
}
ORDER = ["title", "activity_date", "learning_outcomes"]
STILL_VERIFYING = (CpdVerificationStatus.REQUESTED, CpdVerificationStatus.CONFIRMED)
"""A record whose verification an edit of its substance would withdraw."""


def _context(view: ApplicationView, catalogue: Catalogue) -> dict[str, Any]:
    """The pathway's learning outcomes, and each verification in words."""
    outcomes = catalogue.for_pathway(view.application.pathway).outcomes
    return {
        "outcomes": outcomes,
        "outcome_titles": {o.code: o.title for o in outcomes},
        "confirmed": CpdVerificationStatus.CONFIRMED,
        "still_verifying": STILL_VERIFYING,
        "statuses": CPD_VERIFICATION_STATUSES,
    }


def _record_form(record: CpdRecord) -> dict[str, Any]:
    parts = date_fields(record.activity_date)
    return {
        "title": record.title,
        "learning_outcomes": list(record.learning_outcomes),
        **{f"activity_date-{part}": value for part, value in parts.items()},
    }


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


CPD = ListSection[CpdRecord](
    field="cpd",
    item_name="record",
    list_template="apply/sections/cpd.html",
    edit_template="apply/sections/cpd_edit.html",
    context=_context,
    build=lambda view, catalogue, form, old: _record(form, old),
    gone_text="That CPD record is no longer listed: look again at your CPD",
    redirect_gone=True,
)


@router.get("/{application_id}/cpd")
async def cpd_page(asked: SectionRequestDep) -> Response:
    """R08/R16: the CPD records, each with where its verification stands, and a form to add
    one."""
    return await list_page(asked, CPD)


@router.post("/{application_id}/cpd")
async def add_cpd(asked: SectionRequestDep) -> Response:
    """Add a CPD record at the end of the list."""
    return await add_item(asked, CPD)


@router.get("/{application_id}/cpd/{index}")
async def edit_cpd_page(asked: SectionRequestDep, index: int) -> Response:
    """One CPD record to edit, saying what an edit does to its verification."""
    return await item_page(asked, index, CPD, fill=_record_form)


@router.post("/{application_id}/cpd/{index}")
async def edit_cpd(asked: SectionRequestDep, index: int) -> Response:
    """Save the edited record in its place; an edit of its substance withdraws its
    verification (the workflow decides)."""
    return await edit_item(asked, index, CPD)


@router.post("/{application_id}/cpd/{index}/remove")
async def remove_cpd(asked: SectionRequestDep, index: int) -> Response:
    """Remove CPD record ``index`` (and with it any verification or pending request)."""
    return await remove_item(asked, index, CPD)
