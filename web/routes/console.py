"""The staff console: queues, members' accreditations and the application page.

Pages read the same read model and workflow queries as the JSON API and act through the same
workflow updates (``web.routes.console_actions``, ``web.routes.assessments``).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api import application_workflows as workflows
from api.access import check_reader
from api.auth import Principal, Role
from api.deps import CatalogueDep, DocumentStoreDep, SessionDep, TemporalDep
from api.errors import ApiError
from models.allocation import allocation_request, refusal
from models.application import AssessmentDraft
from models.enums import ApplicationKind, Pathway, RegisterStatus
from models.labels import AREAS, PATHWAYS, REGISTER_STATUSES
from models.views import ApplicationView
from storage import queries, staff_queries
from web import csrf
from web.inline_documents import inline_document
from web.session import OfficerSession, Staff
from web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)

PAGE_SIZE = 25
QUEUES = {
    "awaiting_verification": "Awaiting verification",
    "awaiting_allocation": "Awaiting allocation",
    "awaiting_assessment": "In assessment",
    "awaiting_ratification": "Awaiting ratification",
    "overdue": "Overdue assessments",
}
ACTIONS_ON_PAGE = ("allocate_assessor", "verify", "ratify", "record_assessment")


def _choice(value: str, allowed: dict[str, Any]) -> str | None:
    return value if value in allowed else None


@router.get("")
async def dashboard(
    request: Request,
    principal: Staff,
    session: SessionDep,
    queue: Annotated[str, Query()] = "awaiting_allocation",
    pathway: Annotated[str, Query()] = "",
    kind: Annotated[str, Query()] = "",
    assessor_id: Annotated[str, Query(max_length=64)] = "",
    page: Annotated[str, Query()] = "1",
) -> Response:
    """Officers: every queue with its count, one queue listed (filtered), and what changed
    lately. Assessors go to their own work list."""
    if principal.role == Role.ASSESSOR:
        return RedirectResponse("/console/assessments", status_code=303)
    chosen = _choice(queue, QUEUES) or "awaiting_allocation"
    chosen_pathway = Pathway(pathway) if pathway in set(Pathway) else None
    chosen_kind = ApplicationKind(kind) if kind in set(ApplicationKind) else None
    number = page_number(page)
    now = datetime.now(UTC)

    def read() -> tuple[dict[str, int], Any, list[Any]]:
        counts = {
            name: queries.list_queue(session=session, queue=name, now=now, limit=1).total
            for name in QUEUES
        }
        listed = queries.list_queue(
            session=session,
            queue=chosen,
            now=now,
            pathway=chosen_pathway,
            kind=chosen_kind,
            assessor_id=assessor_id.strip() or None,
            limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
        )
        return counts, listed, staff_queries.recent_events(session=session)

    counts, listed, recent = await run_in_threadpool(read)
    return render(
        request,
        "console/dashboard.html",
        {
            "active": "console",
            "queues": QUEUES,
            "counts": counts,
            "queue": chosen,
            "listed": listed,
            "recent": recent,
            "filters": {"pathway": pathway, "kind": kind, "assessor_id": assessor_id},
            "pathways": PATHWAYS,
            "page": number,
            "pages": max(1, math.ceil(listed.total / PAGE_SIZE)),
            "now": now,
        },
    )


@router.get("/accreditations")
async def accreditations(
    request: Request,
    _principal: OfficerSession,
    session: SessionDep,
    status: Annotated[str, Query()] = "",
    page: Annotated[str, Query()] = "1",
) -> HTMLResponse:
    """Members' accreditations by status, soonest expiry first (R20, R23)."""
    chosen = RegisterStatus(status) if status in set(RegisterStatus) else None
    number = page_number(page)
    listed = await run_in_threadpool(
        lambda: queries.list_accreditations(
            session=session, status=chosen, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
        )
    )
    return render(
        request,
        "console/accreditations.html",
        {
            "active": "accreditations",
            "listed": listed,
            "status": status,
            "statuses": REGISTER_STATUSES,
            "pathways": PATHWAYS,
            "page": number,
            "pages": max(1, math.ceil(listed.total / PAGE_SIZE)),
        },
    )


@router.get("/applications/{application_id}")
async def application_page(
    request: Request,
    application_id: str,
    principal: Staff,
    temporal: TemporalDep,
    session: SessionDep,
    catalogue: CatalogueDep,
) -> Response:
    """Everything about one application, and the actions the signed-in person may take now."""
    view = await staff_view(request, temporal, application_id, principal)
    if not isinstance(view, ApplicationView):
        return view
    draft = await own_draft(temporal, principal, view)
    return await render_application(request, principal, view, session, catalogue, draft=draft)


async def own_draft(
    temporal: TemporalDep, principal: Principal, view: ApplicationView
) -> AssessmentDraft | None:
    """The signed-in assessor's saved work on this application, if they are its assessor."""
    if principal.role != Role.ASSESSOR or principal.sub != view.assessor_id:
        return None
    return await workflows.assessment_draft(temporal, view.application.application_id)


async def staff_view(
    request: Request, temporal: TemporalDep, application_id: str, principal: Principal
) -> ApplicationView | HTMLResponse:
    """The application, if it exists and ``principal`` may see it; otherwise the page to
    show (an assessor sees only the applications allocated to them)."""
    if not application_id or len(application_id) > 64:
        return _not_found(request, application_id)
    try:
        view = await workflows.view(temporal, application_id)
        check_reader(principal, view)
    except ApiError as err:
        if err.status_code == 404:
            return render(
                request, "console/not_found.html", {"application_id": application_id}, 404
            )
        if err.status_code == 403:
            return render(request, "forbidden.html", {"reason": str(err.detail)}, 403)
        raise
    return view


async def render_application(
    request: Request,
    principal: Principal,
    view: ApplicationView,
    session: SessionDep,
    catalogue: CatalogueDep,
    *,
    errors: list[dict[str, str]] | None = None,
    form: dict[str, Any] | None = None,
    draft: AssessmentDraft | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The application page, with any refusal shown as an error summary above its form."""
    application_id = view.application.application_id

    def read() -> tuple[list[Any], list[dict[str, Any]]]:
        trail = queries.audit_trail(session=session, application_id=application_id)
        choices: list[dict[str, Any]] = []
        if (
            principal.role in (Role.OFFICER, Role.ADMIN)
            and "allocate_assessor" in view.allowed_actions
        ):
            assessors, workload = staff_queries.assessors_with_workload(
                session=session, active_only=False
            )
            request_ = allocation_request(view.application)
            choices = [
                {
                    "assessor": a,
                    "workload": workload.get(a.assessor_id, 0),
                    "excluded": refusal(request_, a),
                    "current": a.assessor_id == view.assessor_id,
                }
                for a in assessors
            ]
        return list(reversed(trail)), choices

    trail, assessors = await run_in_threadpool(read)
    outcomes = catalogue.for_pathway(view.application.pathway).outcomes
    settings = request.app.state.settings
    token, nonce = csrf.token_for(request, settings, f"console:{application_id}")
    response = render(
        request,
        "console/application.html",
        {
            "view": view,
            "app": view.application,
            "trail": trail,
            "assessors": assessors,
            "outcomes": outcomes,
            "errors": errors or [],
            "form": form or {},
            "pathways": PATHWAYS,
            "areas": AREAS,
            "may": {a for a in view.allowed_actions if a in ACTIONS_ON_PAGE},
            "is_officer": principal.role in (Role.OFFICER, Role.ADMIN),
            "is_assessor": principal.role == Role.ASSESSOR,
            "csrf_token": token,
            "done": request.query_params.get("done"),
            "draft": draft,
        },
        status_code=status_code,
    )
    csrf.remember(response, settings, nonce)
    return response


@router.get("/applications/{application_id}/documents/{document_id}")
async def document(
    request: Request,
    application_id: str,
    document_id: str,
    principal: Staff,
    temporal: TemporalDep,
    store: DocumentStoreDep,
) -> Response:
    """A document of the application, opened in the browser (inline)."""
    view = await staff_view(request, temporal, application_id, principal)
    if not isinstance(view, ApplicationView):
        return view
    found = await inline_document(store, view, document_id)
    return found if found is not None else _not_found(request, application_id)


def page_number(page: str) -> int:
    return int(page) if page.isdigit() and 0 < int(page) <= queries.MAX_OFFSET // PAGE_SIZE else 1


def _not_found(request: Request, application_id: str) -> HTMLResponse:
    return render(request, "console/not_found.html", {"application_id": application_id}, 404)
