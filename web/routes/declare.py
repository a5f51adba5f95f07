"""R09: the declarer's page behind their single-use link (no login).

The manager or practice educator sees who is asking, their role, employer, areas and scope of
practice and what the declaration means; they confirm, or decline with a reason. The form is
CSRF-protected and works without JavaScript; a used, replaced or expired link answers 410 with
a page that says which and what to do.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from starlette.responses import HTMLResponse, RedirectResponse, Response
from temporalio.client import WorkflowUpdateFailedError

from api import application_workflows as workflows
from api.deps import SettingsDep, TemporalDep
from api.errors import ApiError, update_refused
from api.temporal import TemporalUnavailable
from models.commands import DeclarationResponse
from models.labels import AREAS, DECLARER_ROLES, PATHWAYS, ROLES, label
from models.progress import SpentLink
from models.views import DeclarationRequest
from web import csrf
from web.templating import render

router = APIRouter(prefix="/declare", include_in_schema=False)

_APPLICATION_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
PURPOSE = "declaration"
REASON_MAX = 2000


def _page_context(request: DeclarationRequest) -> dict[str, object]:
    return {
        "request_": request,
        "pathway": label(PATHWAYS, request.pathway),
        "role": label(ROLES, request.role),
        "declarer_role": label(DECLARER_ROLES, request.declarer_role),
        "areas": [label(AREAS, a) for a in request.areas_of_practice],
    }


@router.get("/{application_id}/{token}")
async def declaration_page(
    request: Request,
    application_id: str,
    token: str,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> Response:
    """What the link's holder is asked to declare, and the form to answer."""
    found = await _live_request(request, temporal, application_id, token)
    if not isinstance(found, DeclarationRequest):
        return found
    csrf_token, nonce = csrf.token_for(request, settings, PURPOSE)
    response = render(
        request,
        "declare/form.html",
        {**_page_context(found), "csrf_token": csrf_token, "form": {}, "errors": []},
    )
    csrf.remember(response, settings, nonce)
    return response


@router.post("/{application_id}/{token}")
async def answer_declaration(
    request: Request,
    application_id: str,
    token: str,
    temporal: TemporalDep,
    settings: SettingsDep,
    answer: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Record the answer; the link then stops working. Errors show on the form."""
    try:
        csrf.check(request, settings, PURPOSE, csrf_token)
    except csrf.CsrfRefused:
        return render(request, "declare/expired_form.html", {"again": request.url.path}, 403)
    found = await _live_request(request, temporal, application_id, token)
    if not isinstance(found, DeclarationRequest):
        return found
    errors = _answer_errors(answer, reason)
    if errors:
        context = {
            **_page_context(found),
            "csrf_token": csrf_token,
            "form": {"answer": answer, "reason": reason},
            "errors": errors,
        }
        return render(request, "declare/form.html", context, 422)
    response = DeclarationResponse(
        token=token, confirm=answer == "confirm", reason=reason.strip() or None
    )
    try:
        await workflows.respond_to_declaration(temporal, application_id, response)
    except (WorkflowUpdateFailedError, ApiError) as err:
        if update_refused(err).status_code != status.HTTP_410_GONE:
            raise  # answered as the API answers it
        return await _gone(request, temporal, application_id, token)
    except TemporalUnavailable:
        return _unavailable(request)
    return RedirectResponse(f"/declare/{application_id}/{token}/answered", status_code=303)


@router.get("/{application_id}/{token}/answered")
async def answered_page(
    request: Request, application_id: str, token: str, temporal: TemporalDep
) -> Response:
    """The thank-you page after an answer (what happens next)."""
    try:
        spent = await workflows.spent_link(temporal, application_id, token)
    except TemporalUnavailable:
        return _unavailable(request)
    if spent != SpentLink.USED:
        return RedirectResponse(f"/declare/{application_id}/{token}", status_code=303)
    return render(request, "declare/answered.html")


def _answer_errors(answer: str, reason: str) -> list[dict[str, str]]:
    if answer not in ("confirm", "decline"):
        return [{"text": "Select whether you confirm the declaration", "href": "#answer"}]
    if answer == "decline" and not reason.strip():
        return [{"text": "Enter the reason you are declining", "href": "#reason"}]
    if len(reason) > REASON_MAX:
        return [{"text": f"Reason must be {REASON_MAX} characters or fewer", "href": "#reason"}]
    return []


async def _live_request(
    request: Request, temporal: TemporalDep, application_id: str, token: str
) -> DeclarationRequest | Response:
    """The live link's request, or the page to show instead (gone, unknown, unavailable)."""
    if not re.match(_APPLICATION_ID, application_id) or not 1 <= len(token) <= 128:
        return render(request, "declare/unknown.html", status_code=404)
    try:
        found = await workflows.declaration_request(temporal, application_id, token)
    except ApiError as err:
        if err.status_code == 404:
            return render(request, "declare/unknown.html", status_code=404)
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
        spent = await workflows.spent_link(temporal, application_id, token)
    except (TemporalUnavailable, ApiError):
        spent = None
    return render(request, "declare/gone.html", {"spent": spent}, status_code=410)


def _unavailable(request: Request) -> HTMLResponse:
    response = render(request, "unavailable.html", status_code=503)
    response.headers["Retry-After"] = str(request.app.state.settings.retry_after_seconds)
    return response
