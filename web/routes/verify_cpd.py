"""R08/R16: the CPD verifier's page behind their single-use link (no login).

The verifier sees whose record it is, its title, date and learning outcomes, when the link
expires and what verifying means; they confirm the record, or decline with a reason. The form
is CSRF-protected and works without JavaScript; a used, replaced, withdrawn, expired or closed
link answers 410 with a page that says which and what to do.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from starlette.responses import HTMLResponse, RedirectResponse, Response
from temporalio.client import WorkflowUpdateFailedError

from api import application_workflows as workflows
from api.deps import CatalogueDep, SettingsDep, TemporalDep
from api.errors import ApiError, update_refused
from api.temporal import TemporalUnavailable
from models.catalogue import Catalogue
from models.commands import CpdVerificationResponse
from models.cpd_verification import CpdVerificationRequest
from models.enums import Pathway
from models.labels import PATHWAYS, label
from models.progress import SpentLink
from web import csrf
from web.templating import render

router = APIRouter(prefix="/verify-cpd", include_in_schema=False)

_APPLICATION_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
PURPOSE = "cpd-verification"
REASON_MAX = 2000


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
    return {
        "request_": request,
        "pathway": label(PATHWAYS, request.pathway),
        "outcomes": _outcomes(request, catalogue),
    }


@router.get("/{application_id}/{token}")
async def verification_page(
    request: Request,
    application_id: str,
    token: str,
    temporal: TemporalDep,
    settings: SettingsDep,
    catalogue: CatalogueDep,
) -> Response:
    """The CPD record the link's holder is asked to verify, and the form to answer."""
    found = await _live_request(request, temporal, application_id, token)
    if not isinstance(found, CpdVerificationRequest):
        return found
    csrf_token, nonce = csrf.token_for(request, settings, PURPOSE)
    response = render(
        request,
        "verify_cpd/form.html",
        {**_page_context(found, catalogue), "csrf_token": csrf_token, "form": {}, "errors": []},
    )
    csrf.remember(response, settings, nonce)
    return response


@router.post("/{application_id}/{token}")
async def answer_verification(
    request: Request,
    application_id: str,
    token: str,
    temporal: TemporalDep,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    answer: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Record the answer; the link then stops working. Errors show on the form."""
    try:
        csrf.check(request, settings, PURPOSE, csrf_token)
    except csrf.CsrfRefused:
        return render(request, "verify_cpd/expired_form.html", {"again": request.url.path}, 403)
    found = await _live_request(request, temporal, application_id, token)
    if not isinstance(found, CpdVerificationRequest):
        return found
    errors = _answer_errors(answer, reason)
    if errors:
        context = {
            **_page_context(found, catalogue),
            "csrf_token": csrf_token,
            "form": {"answer": answer, "reason": reason},
            "errors": errors,
        }
        return render(request, "verify_cpd/form.html", context, 422)
    response = CpdVerificationResponse(
        token=token, confirm=answer == "confirm", reason=reason.strip() or None
    )
    try:
        await workflows.respond_to_cpd_verification(temporal, application_id, response)
    except (WorkflowUpdateFailedError, ApiError) as err:
        if update_refused(err).status_code != status.HTTP_410_GONE:
            raise  # answered as the API answers it
        return await _gone(request, temporal, application_id, token)
    except TemporalUnavailable:
        return _unavailable(request)
    return RedirectResponse(f"/verify-cpd/{application_id}/{token}/answered", status_code=303)


@router.get("/{application_id}/{token}/answered")
async def answered_page(
    request: Request, application_id: str, token: str, temporal: TemporalDep
) -> Response:
    """The thank-you page after an answer (what happens next)."""
    if not re.match(_APPLICATION_ID, application_id) or not 1 <= len(token) <= 128:
        return render(request, "verify_cpd/unknown.html", status_code=404)
    try:
        spent = await workflows.spent_cpd_link(temporal, application_id, token)
    except ApiError as err:
        if err.status_code == 404:
            return render(request, "verify_cpd/unknown.html", status_code=404)
        raise
    except TemporalUnavailable:
        return _unavailable(request)
    if spent != SpentLink.USED:
        return RedirectResponse(f"/verify-cpd/{application_id}/{token}", status_code=303)
    return render(request, "verify_cpd/answered.html")


def _answer_errors(answer: str, reason: str) -> list[dict[str, str]]:
    if answer not in ("confirm", "decline"):
        return [{"text": "Select whether you confirm the CPD record", "href": "#answer"}]
    if answer == "decline" and not reason.strip():
        return [{"text": "Enter the reason you are declining", "href": "#reason"}]
    if len(reason) > REASON_MAX:
        return [{"text": f"Reason must be {REASON_MAX} characters or fewer", "href": "#reason"}]
    return []


async def _live_request(
    request: Request, temporal: TemporalDep, application_id: str, token: str
) -> CpdVerificationRequest | Response:
    """The live link's request, or the page to show instead (gone, unknown, unavailable)."""
    if not re.match(_APPLICATION_ID, application_id) or not 1 <= len(token) <= 128:
        return render(request, "verify_cpd/unknown.html", status_code=404)
    try:
        found = await workflows.cpd_verification_request(temporal, application_id, token)
    except ApiError as err:
        if err.status_code == 404:
            return render(request, "verify_cpd/unknown.html", status_code=404)
        raise
    except TemporalUnavailable:
        return _unavailable(request)
    if found is None:
        return await _gone(request, temporal, application_id, token)
    return found


async def _gone(
    request: Request, temporal: TemporalDep, application_id: str, token: str
) -> HTMLResponse:
    try:
        spent = await workflows.spent_cpd_link(temporal, application_id, token)
    except (TemporalUnavailable, ApiError):
        spent = None
    return render(request, "verify_cpd/gone.html", {"spent": spent}, status_code=410)


def _unavailable(request: Request) -> HTMLResponse:
    response = render(request, "unavailable.html", status_code=503)
    response.headers["Retry-After"] = str(request.app.state.settings.retry_after_seconds)
    return response
