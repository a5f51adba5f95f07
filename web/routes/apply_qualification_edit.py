"""Changing one of the applicant's qualifications (R07, R08, R16): the add form's fields,
filled in from the qualification, checked as the add form is (``qualification_from``), and
saved in its place with the qualifications alone (R10). Its certificate stays attached;
uploading another is on the list page (``apply_qualifications``).

The start page saves a qualification with only its level and date: this is where the
applicant then gives its title and awarding body (what readiness asks for).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from models.application import Qualification
from web.routes.apply_forms import date_fields
from web.routes.apply_lists import SectionRequestDep, edit_item, item_page
from web.routes.apply_qualifications import QUALIFICATIONS

router = APIRouter(prefix="/apply/applications", include_in_schema=False)


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


@router.get("/{application_id}/qualifications/{index}")
async def edit_qualification_page(asked: SectionRequestDep, index: int) -> Response:
    """Qualification ``index`` to change, its fields filled in; the list page saying it has
    gone (404) when it is no longer listed."""
    return await item_page(asked, index, QUALIFICATIONS, fill=_qualification_form)


@router.post("/{application_id}/qualifications/{index}")
async def edit_qualification(asked: SectionRequestDep, index: int) -> Response:
    """Save the changed qualification in its place, keeping its certificate."""
    return await edit_item(asked, index, QUALIFICATIONS)
