"""What the applicant's pages share: their own application's view, or the page to show, and
where each section of an application is edited (``SECTIONS``, ``section_url``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Section:
    """One section of an application: its page (``/apply/applications/{id}/{slug}``), its
    name in the task list, and the ``Problem.field`` roots (``models.readiness``) it answers."""

    slug: str
    title: str
    fields: tuple[str, ...]


SECTIONS: tuple[Section, ...] = (
    Section("role", "Role and scope of practice", ("role_details",)),
    Section("qualifications", "Qualifications", ("qualifications",)),
    Section("scope", "Scope of practice document", ("documents",)),
    Section("cpd", "Continuing professional development (CPD)", ("cpd",)),
    Section("narrative", "Critical narrative", ("narrative",)),
    Section("declarer", "Declaration by your manager or practice educator", ("declaration",)),
)
"""The sections in the order the task list shows them."""

SECTION_URLS: dict[str, str] = {field: s.slug for s in SECTIONS for field in s.fields}
"""The section page (its slug) for each ``Problem.field`` root."""

QUALIFICATION_DETAIL = re.compile(
    r"^qualifications\[(\d+)\]"
    r"(?:\.(?:programme_id|title|awarding_body|fheq_level|completed_on|further_learning))?$"
)
"""A problem with one qualification's details, put right on its edit page (its certificate is
uploaded on the list page)."""


def field_root(field: str) -> str:
    """``qualifications[0].completed_on`` -> ``qualifications``; ``narrative.LO1`` ->
    ``narrative``."""
    return re.split(r"[.\[]", field, maxsplit=1)[0]


def section_for(field: str) -> Section | None:
    """The section where the problem at ``field`` is put right (None for an unknown field)."""
    slug = SECTION_URLS.get(field_root(field))
    return next((s for s in SECTIONS if s.slug == slug), None)


def section_url(application_id: str, field: str) -> str:
    """The page where the applicant puts right the problem at ``field`` (a ``Problem.field``
    from ``models.readiness``): one qualification's edit page for its details; the overview
    when no section answers it."""
    base = f"/apply/applications/{application_id}"
    detail = QUALIFICATION_DETAIL.match(field)
    if detail:
        return f"{base}/qualifications/{detail.group(1)}"
    section = section_for(field)
    return f"{base}/{section.slug}" if section else base


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
