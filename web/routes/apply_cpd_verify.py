"""R08/R16: sending a CPD record to a named verifier (their full name, email and professional
registration; never the applicant, which the workflow refuses on the field that names them).
The verifier gets a single-use link by email; the CPD page then shows the request waiting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.access import actor
from api.deps import CatalogueDep, TemporalDep
from models.commands import RequestCpdVerification
from models.cpd_verification import Verifier
from models.views import ApplicationView
from web.routes.apply_common import own_view
from web.routes.apply_cpd import cpd_list_url, render_cpd
from web.routes.apply_forms import Problems, act, from_validation, send, text
from web.session import ApplicantSession
from workflows.application import ApplicationWorkflow

router = APIRouter(prefix="/apply/applications", include_in_schema=False)

VERIFIER_NAMES = {
    "verifier_name": "your verifier's full name",
    "verifier_email": "your verifier's email address",
    "verifier_registration": "your verifier's professional registration",
}
VERIFIER_FIELDS = {
    "verifier.name": "verifier_name",
    "verifier.email": "verifier_email",
    "verifier.professional_registration": "verifier_registration",
}


@router.get("/{application_id}/cpd/{index}/verify")
async def verify_page(
    request: Request,
    application_id: str,
    index: int,
    principal: ApplicantSession,
    temporal: TemporalDep,
    catalogue: CatalogueDep,
) -> Response:
    """R08: whom to send the record to: their name, email and professional registration."""
    view = await own_view(request, temporal, application_id, principal)
    if not isinstance(view, ApplicationView):
        return view
    records = view.application.content.cpd
    if not 0 <= index < len(records):
        return RedirectResponse(f"/apply/applications/{application_id}/cpd", status_code=303)
    return render_cpd(
        request, "apply/sections/cpd_verify.html", view, catalogue, {}, Problems(),
        index=index, record=records[index],
    )  # fmt: skip


@router.post("/{application_id}/cpd/{index}/verify")
async def send_for_verification(
    request: Request,
    application_id: str,
    index: int,
    principal: ApplicantSession,
    temporal: TemporalDep,
    catalogue: CatalogueDep,
) -> Response:
    """Send the record to the verifier (the workflow refuses the applicant as verifier, on
    the field that names them)."""

    async def perform(view: ApplicationView, form: FormData) -> Problems | None:
        try:
            verifier = Verifier(
                name=text(form, "verifier_name"),
                email=text(form, "verifier_email"),
                professional_registration=text(form, "verifier_registration"),
            )
        except ValidationError as err:
            return from_validation(err, VERIFIER_NAMES, lambda f: VERIFIER_FIELDS[f"verifier.{f}"])
        command = RequestCpdVerification(actor=actor(principal), index=index, verifier=verifier)
        return await send(
            temporal, view, ApplicationWorkflow.request_cpd_verification, command, principal,
            VERIFIER_FIELDS.get,
        )  # fmt: skip

    def show(view: ApplicationView, form: Mapping[str, Any], problems: Problems) -> Response:
        records = view.application.content.cpd
        if not 0 <= index < len(records):
            return render_cpd(request, "apply/sections/cpd.html", view, catalogue, {}, problems)
        return render_cpd(
            request, "apply/sections/cpd_verify.html", view, catalogue, form, problems,
            index=index, record=records[index],
        )  # fmt: skip

    return await act(
        request, temporal, principal, application_id,
        perform=perform, show=show, then=cpd_list_url(application_id, "sent"),
    )  # fmt: skip
