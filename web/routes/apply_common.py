"""What the applicant's pages share: their own application's view, or the page to show."""

from __future__ import annotations

import re

from fastapi import Request
from starlette.responses import HTMLResponse

from api import application_workflows as workflows
from api.access import check_reader
from api.auth import Principal
from api.deps import TemporalDep
from api.errors import ApiError
from api.temporal import TemporalUnavailable
from models.views import ApplicationView
from web.templating import render

APPLICATION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


async def own_view(
    request: Request, temporal: TemporalDep, application_id: str, principal: Principal
) -> ApplicationView | HTMLResponse:
    """The signed-in applicant's own application; otherwise the page to show instead
    (not found, someone else's, or the service unavailable)."""
    if not APPLICATION_ID.match(application_id):
        return not_found(request, application_id)
    try:
        view = await workflows.view(temporal, application_id)
        check_reader(principal, view)
    except ApiError as err:
        if err.status_code in (403, 404):
            # Someone else's application is not found, as far as this applicant can tell.
            return not_found(request, application_id)
        raise
    except TemporalUnavailable:
        return unavailable(request)
    return view


def not_found(request: Request, application_id: str) -> HTMLResponse:
    return render(request, "apply/not_found.html", {"application_id": application_id}, 404)


def unavailable(request: Request) -> HTMLResponse:
    response = render(request, "unavailable.html", status_code=503)
    response.headers["Retry-After"] = str(request.app.state.settings.retry_after_seconds)
    return response
