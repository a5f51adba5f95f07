"""Pages anyone can open: the start page, where-to-go pages, and the public register (R19)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, ValidationError
from starlette.responses import HTMLResponse

from api.deps import SessionDep
from models.enums import AreaOfPractice, Pathway
from models.labels import AREAS, PATHWAYS, REGISTER_STATUSES
from storage import queries
from web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20


@router.get("/")
def start_page(request: Request) -> HTMLResponse:
    """The service's start page: who it is for and where each person goes."""
    return render(request, "home.html")


@router.get("/applicants")
def applicants_page(request: Request) -> HTMLResponse:
    """Where applicants follow and continue their applications (the links in their emails)."""
    return render(request, "help/applicants.html")


@router.get("/staff")
def staff_page(request: Request) -> HTMLResponse:
    """Where assessors and professional officers do their work (the links in their emails)."""
    return render(request, "help/staff.html")


class RegisterSearch(BaseModel):
    """The register search form, as the query string carries it."""

    name: str = Field("", max_length=200)
    registration_number: str = Field("", max_length=32)
    pathway: Pathway | None = None
    area_of_practice: AreaOfPractice | None = None
    page: int = Field(1, ge=1, le=queries.MAX_OFFSET // PAGE_SIZE)


@router.get("/check-the-register")
async def register_search(
    request: Request,
    session: SessionDep,
    name: Annotated[str, Query()] = "",
    registration_number: Annotated[str, Query()] = "",
    pathway: Annotated[str, Query()] = "",
    area_of_practice: Annotated[str, Query()] = "",
    page: Annotated[str, Query()] = "1",
) -> HTMLResponse:
    """Search the public register; every field is optional and the form works without
    JavaScript. Invalid input is shown in an error summary, never as an error page."""
    raw = {
        "name": name.strip(),
        "registration_number": registration_number.strip(),
        "pathway": pathway or None,
        "area_of_practice": area_of_practice or None,
        "page": page or "1",
    }
    errors: list[dict[str, str]] = []
    try:
        search = RegisterSearch.model_validate(raw)
    except ValidationError as err:
        errors = [
            {"text": _search_error(str(e["loc"][0])), "href": f"#{e['loc'][0]}"}
            for e in err.errors()
        ]
        search = RegisterSearch()
    searched = any([name, registration_number, pathway, area_of_practice]) and not errors
    results = None
    if searched:
        results = await run_in_threadpool(
            lambda: queries.search_register(
                session=session,
                name=search.name or None,
                registration_number=search.registration_number or None,
                pathway=search.pathway,
                area_of_practice=search.area_of_practice,
                limit=PAGE_SIZE,
                offset=(search.page - 1) * PAGE_SIZE,
            )
        )
    pages = math.ceil(results.total / PAGE_SIZE) if results else 0
    return render(
        request,
        "register/search.html",
        {
            "form": raw,
            "errors": errors,
            "field_errors": {e["href"][1:]: e["text"] for e in errors},
            "results": results,
            "page": search.page,
            "pages": pages,
            "pathways": PATHWAYS,
            "areas": AREAS,
            "statuses": REGISTER_STATUSES,
        },
    )


def _search_error(field: str) -> str:
    return {
        "name": "Name must be 200 characters or fewer",
        "registration_number": "Registration number must be 32 characters or fewer",
        "pathway": "Choose a pathway from the list",
        "area_of_practice": "Choose an area of practice from the list",
        "page": "Page must be a whole number from 1",
    }.get(field, "Check this field")


@router.get("/check-the-register/{registration_number}")
async def register_entry(
    request: Request, registration_number: str, session: SessionDep
) -> HTMLResponse:
    """Verify one registration: its status, term, pathway, scope and areas (R19's public
    fields only), and when it was checked."""
    entry = None
    if len(registration_number) <= 32:
        entry = await run_in_threadpool(
            lambda: queries.verify_register_entry(
                session=session, registration_number=registration_number
            )
        )
    context = {
        "entry": entry,
        "registration_number": registration_number,
        "checked_at": datetime.now(UTC),
        "pathways": PATHWAYS,
        "areas": AREAS,
        "statuses": REGISTER_STATUSES,
    }
    return render(request, "register/entry.html", context, status_code=200 if entry else 404)
