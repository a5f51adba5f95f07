"""R08/R16: sending a CPD record to a named verifier (their full name, email and professional
registration; never the applicant, which the workflow refuses on the field that names them).
The verifier gets a single-use link by email; the CPD page then shows the request waiting.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from api.access import actor
from models.commands import RequestCpdVerification
from models.cpd_verification import Verifier
from models.views import ApplicationView
from web.routes.apply_cpd import CPD
from web.routes.apply_forms import Problems, act, from_validation, send, text
from web.routes.apply_lists import SectionRequestDep, item_page
from workflows.application import ApplicationWorkflow

router = APIRouter(prefix="/apply/applications", include_in_schema=False)

TEMPLATE = "apply/sections/cpd_verify.html"
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
async def verify_page(asked: SectionRequestDep, index: int) -> Response:
    """R08: whom to send the record to: their name, email and professional registration."""
    return await item_page(asked, index, CPD, template=TEMPLATE)


@router.post("/{application_id}/cpd/{index}/verify")
async def send_for_verification(asked: SectionRequestDep, index: int) -> Response:
    """Send the record to the verifier (the workflow refuses the applicant as verifier, on
    the field that names them)."""
    principal = asked.principal

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
            asked.temporal, view, ApplicationWorkflow.request_cpd_verification, command,
            principal, VERIFIER_FIELDS.get,
        )  # fmt: skip

    return await act(
        asked.request, asked.temporal, principal, asked.application_id,
        perform=perform,
        show=CPD.show_item(asked, index, TEMPLATE),
        then=CPD.list_url(asked.application_id, "sent"),
    )  # fmt: skip
