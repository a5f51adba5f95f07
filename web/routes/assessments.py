"""The assessor's own work list: the applications allocated to them, most urgent first."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse

from api.auth import Role
from api.deps import SessionDep
from models.labels import PATHWAYS
from storage import queries
from web.routes.console import PAGE_SIZE, page_number
from web.session import Staff
from web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/assessments")
async def my_assessments(
    request: Request,
    principal: Staff,
    session: SessionDep,
    page: Annotated[str, Query()] = "1",
) -> HTMLResponse:
    """Applications allocated to the signed-in assessor, with due dates and overdue marked."""
    if principal.role != Role.ASSESSOR:
        return render(request, "forbidden.html", {"reason": "This list is for assessors."}, 403)
    number = page_number(page)
    now = datetime.now(UTC)
    listed = await run_in_threadpool(
        lambda: queries.list_queue(
            session=session,
            queue=None,
            now=now,
            assessor_id=principal.sub,
            limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
        )
    )
    return render(
        request,
        "console/assessments.html",
        {
            "active": "assessments",
            "listed": listed,
            "pathways": PATHWAYS,
            "page": number,
            "pages": max(1, math.ceil(listed.total / PAGE_SIZE)),
        },
    )
