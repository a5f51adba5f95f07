"""The member's accreditation, and starting their re-accreditation (R14, R15, R17, R20, R23).

The page reads the member's accreditation workflow as ``GET /members/{id}/accreditation``
does, and starts a re-accreditation through the same update as
``POST /members/{id}/reaccreditation``: the member workflow directs it to its pathway (R17)
and says whether one may start now (R15: from the day of the award).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from starlette.responses import HTMLResponse, RedirectResponse, Response
from temporalio.client import WorkflowUpdateFailedError

from api import member_workflows
from api.access import actor
from api.auth import Principal
from api.deps import SettingsDep, TemporalDep
from api.errors import ApiError, update_refused
from api.temporal import TemporalUnavailable
from models.accreditation import AccreditationView, StartReaccreditation
from models.labels import (
    AREAS,
    DEADLINES,
    MEMBERSHIP_STATUSES,
    PATHWAYS,
    REGISTER_STATUSES,
    label,
    words,
)
from models.lifecycle_deadlines import LifecycleDeadlineKind
from web import csrf
from web.routes.apply_common import unavailable
from web.routes.apply_overview import sentence
from web.session import ApplicantSession
from web.templating import render, uk_time

router = APIRouter(prefix="/apply/accreditation", include_in_schema=False)

PURPOSE = "reaccreditation"


async def _accreditation(
    request: Request, temporal: TemporalDep, principal: Principal
) -> AccreditationView | HTMLResponse | None:
    """The member's accreditation; None when they have none; the 503 page when it cannot be
    read."""
    try:
        return await member_workflows.view(temporal, principal.sub)
    except ApiError as err:
        if err.status_code == status.HTTP_404_NOT_FOUND:
            return None
        raise
    except TemporalUnavailable:
        return unavailable(request)


@router.get("")
async def accreditation_page(
    request: Request, principal: ApplicantSession, temporal: TemporalDep
) -> Response:
    """Status, pathway, term, accredited scope, reminders sent; re-accreditation when allowed."""
    found = await _accreditation(request, temporal, principal)
    if isinstance(found, HTMLResponse):
        return found
    return render_accreditation(request, found)


def render_accreditation(
    request: Request,
    view: AccreditationView | None,
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    settings = request.app.state.settings
    token, nonce = csrf.token_for(request, settings, PURPOSE)
    context: dict[str, object] = {
        "active": "accreditation",
        "acc": view,
        "errors": errors or [],
        "csrf_token": token,
    }
    if view is not None:
        context |= {
            "status": label(REGISTER_STATUSES, view.status),
            "pathway": PATHWAYS[view.pathway] if view.pathway else "",
            "areas": [AREAS[a] for a in view.areas_of_practice],
            "membership": MEMBERSHIP_STATUSES[view.membership_status],
            "reminders": [
                uk_time(e.at)
                for e in view.history
                if e.action == LifecycleDeadlineKind.EXPIRY_REMINDER
            ],
            "deadlines": [
                {"name": words(DEADLINES, d.name), "due": uk_time(d.due_at)} for d in view.deadlines
            ],
            "refusal": sentence(view.reaccreditation_refusal or ""),
        }
    response = render(request, "apply/accreditation.html", context, status_code)
    csrf.remember(response, settings, nonce)
    return response


@router.post("/reaccreditation")
async def start_reaccreditation(
    request: Request,
    principal: ApplicantSession,
    temporal: TemporalDep,
    settings: SettingsDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """R15/R17: start the re-accreditation on the pathway the member is directed to, then go
    to its overview; a refusal shows on the accreditation page."""
    found = await _accreditation(request, temporal, principal)
    if isinstance(found, HTMLResponse):
        return found
    try:
        csrf.check(request, settings, PURPOSE, csrf_token)
    except csrf.CsrfRefused:
        expired = [{"text": "The page had expired: try again", "href": "#reaccreditation"}]
        return render_accreditation(request, found, expired, status.HTTP_403_FORBIDDEN)
    command = StartReaccreditation(actor=actor(principal))
    try:
        application_id = await member_workflows.start_reaccreditation(
            temporal, principal.sub, command, None
        )
    except (WorkflowUpdateFailedError, ApiError) as err:
        refused = update_refused(err)
        text = sentence(str(refused.detail))
        return render_accreditation(
            request, found, [{"text": text, "href": "#reaccreditation"}], refused.status_code
        )
    except TemporalUnavailable:
        return unavailable(request)
    return RedirectResponse(
        f"/apply/applications/{application_id}", status_code=status.HTTP_303_SEE_OTHER
    )
