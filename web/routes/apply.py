"""The applicant's pages: their applications, one application's overview, and submitting or
resubmitting it (R10, R13).

Pages read the same read model and workflow queries as the JSON API (``GET /applications``,
``GET /applications/{id}``) and act through the same workflow updates (``submit``,
``resubmit``). Starting an application is ``web.routes.apply_start``; the accreditation and
re-accreditation, ``web.routes.apply_accreditation``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response
from temporalio.client import WorkflowUpdateFailedError

from api import application_workflows as workflows
from api.access import actor
from api.deps import CatalogueDep, SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError, update_refused
from api.temporal import TemporalUnavailable
from models.catalogue import Catalogue
from models.commands import ApplicantAction
from models.labels import APPLICATION_STATES, PATHWAYS, label, words
from models.views import ApplicationView
from storage import queries
from web import csrf
from web.routes.apply_common import not_found, own_view, unavailable
from web.routes.apply_overview import overview_context, problem_links, sentence
from web.session import ApplicantSession
from web.templating import render
from workflows.application import ApplicationWorkflow

router = APIRouter(prefix="/apply", include_in_schema=False)


def purpose(application_id: str) -> str:
    """The CSRF purpose of the overview's forms."""
    return f"apply:{application_id}"


@router.get("")
async def applications(
    request: Request, principal: ApplicantSession, session: SessionDep
) -> HTMLResponse:
    """The member's applications, latest change first, each linking to its overview."""
    listed = await run_in_threadpool(
        lambda: queries.list_member_applications(session=session, member_id=principal.sub)
    )
    rows = [
        {
            "id": a.application_id,
            "pathway": label(PATHWAYS, a.pathway),
            "kind": "Re-accreditation" if a.kind == "reaccreditation" else "Initial accreditation",
            "state": words(APPLICATION_STATES, a.state),
            "updated_at": a.updated_at,
        }
        for a in listed
    ]
    return render(request, "apply/applications.html", {"active": "apply", "rows": rows})


@router.get("/applications/{application_id}")
async def overview(
    request: Request,
    application_id: str,
    principal: ApplicantSession,
    temporal: TemporalDep,
    catalogue: CatalogueDep,
) -> Response:
    """Where the application stands: its sections, what is missing, its evidence and history."""
    view = await own_view(request, temporal, application_id, principal)
    if not isinstance(view, ApplicationView):
        return view
    return render_overview(request, view, catalogue, done=request.query_params.get("done"))


def render_overview(
    request: Request,
    view: ApplicationView,
    catalogue: Catalogue,
    *,
    errors: list[dict[str, str]] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The overview, with a refused action's problems as an error summary."""
    settings = request.app.state.settings
    token, nonce = csrf.token_for(request, settings, purpose(view.application.application_id))
    context = {
        **overview_context(view, catalogue, done),
        "active": "apply",
        "pathways": PATHWAYS,
        "errors": errors or [],
        "csrf_token": token,
    }
    response = render(request, "apply/overview.html", context, status_code)
    csrf.remember(response, settings, nonce)
    return response


@router.post("/applications/{application_id}/submit")
async def submit(
    request: Request,
    application_id: str,
    principal: ApplicantSession,
    temporal: TemporalDep,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """R10: submit; refused (422) with every missing item, each linked to its section."""
    return await _act(request, application_id, principal, temporal, settings, catalogue, csrf_token)


@router.post("/applications/{application_id}/resubmit")
async def resubmit(
    request: Request,
    application_id: str,
    principal: ApplicantSession,
    temporal: TemporalDep,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """R13: resubmit a deferred application with the further evidence asked for."""
    return await _act(
        request,
        application_id,
        principal,
        temporal,
        settings,
        catalogue,
        csrf_token,
        resubmitting=True,
    )


async def _act(
    request: Request,
    application_id: str,
    principal: ApplicantSession,
    temporal: TemporalDep,
    settings: SettingsDep,
    catalogue: Catalogue,
    csrf_token: str,
    *,
    resubmitting: bool = False,
) -> Response:
    view = await own_view(request, temporal, application_id, principal)
    if not isinstance(view, ApplicationView):
        return view
    try:
        csrf.check(request, settings, purpose(application_id), csrf_token)
    except csrf.CsrfRefused:
        expired = [{"text": "The page had expired: try again", "href": "#actions"}]
        return render_overview(request, view, catalogue, errors=expired, status_code=403)
    handler = ApplicationWorkflow.resubmit if resubmitting else ApplicationWorkflow.submit
    command = ApplicantAction(actor=actor(principal))
    try:
        await workflows.update(temporal, application_id, handler, command, principal)
    except (WorkflowUpdateFailedError, ApiError) as err:
        refused = update_refused(err)
        if refused.status_code == status.HTTP_404_NOT_FOUND:
            return not_found(request, application_id)
        errors = problem_links(application_id, refused.problems) or [
            {"text": sentence(str(refused.detail)), "href": "#actions"}
        ]
        return render_overview(
            request, view, catalogue, errors=errors, status_code=refused.status_code
        )
    except TemporalUnavailable:
        return unavailable(request)
    done = "resubmitted" if resubmitting else "submitted"
    return RedirectResponse(
        f"/apply/applications/{application_id}?done={done}", status_code=status.HTTP_303_SEE_OTHER
    )
