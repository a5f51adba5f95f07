"""R08/R16: the CPD verifier's page behind their single-use link (no login).

The verifier sees whose record it is, its title, date and learning outcomes, when the link
expires and what verifying means; they confirm the record, or decline with a reason. The form
is CSRF-protected and works without JavaScript; a used, replaced, withdrawn, expired or closed
link answers 410 with a page that says which and what to do (``web.routes.link_pages``).
"""

from __future__ import annotations

from api import application_workflows as workflows
from models.catalogue import Catalogue
from models.commands import CpdVerificationResponse
from models.cpd_verification import CpdVerificationRequest
from models.enums import Pathway
from models.labels import PATHWAYS, label
from web.routes.link_pages import LinkKind, link_router


def _outcomes(request: CpdVerificationRequest, catalogue: Catalogue) -> list[str]:
    """Each learning outcome the record maps to, as its code and its text when known."""
    try:
        known = {o.code: o.title for o in catalogue.outcomes.get(Pathway(request.pathway), [])}
    except ValueError:
        known = {}
    return [
        f"{code}: {known[code]}" if code in known else code for code in request.learning_outcomes
    ]


def _page_context(request: CpdVerificationRequest, catalogue: Catalogue) -> dict[str, object]:
    """Whose CPD record it is, and the record as the applicant gave it."""
    return {
        "request_": request,
        "pathway": label(PATHWAYS, request.pathway),
        "outcomes": _outcomes(request, catalogue),
    }


CPD_VERIFICATION_LINKS = LinkKind(
    prefix="/verify-cpd",
    templates="verify_cpd",
    purpose="cpd-verification",
    subject="the CPD record",
    new_link="a new request to verify their CPD record",
    asked=workflows.cpd_verification_request,
    spent=workflows.spent_cpd_link,
    answer=CpdVerificationResponse,
    respond=workflows.respond_to_cpd_verification,
    context=_page_context,
)

router = link_router(CPD_VERIFICATION_LINKS)
