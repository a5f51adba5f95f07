"""R19: the Public Voluntary Register: public fields only, no token needed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status

from api.deps import Offset, SessionDep
from models.enums import AreaOfPractice, Pathway
from models.records import RegisterEntry
from storage import queries
from storage.queries import MAX_PAGE_SIZE, Page

router = APIRouter(prefix="/register", tags=["register"])


@router.get("")
def search_register(
    session: SessionDep,
    name: Annotated[str | None, Query(max_length=200, description="part of the name")] = None,
    registration_number: Annotated[str | None, Query(max_length=32)] = None,
    pathway: Pathway | None = None,
    area_of_practice: AreaOfPractice | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
    offset: Offset = 0,
) -> Page[RegisterEntry]:
    """Search the current accreditations by name, registration number, pathway or area."""
    return queries.search_register(
        session=session,
        name=name,
        registration_number=registration_number,
        pathway=pathway,
        area_of_practice=area_of_practice,
        limit=limit,
        offset=offset,
    )


@router.get("/{registration_number}")
def verify_entry(
    registration_number: Annotated[str, Path(min_length=1, max_length=32)], session: SessionDep
) -> RegisterEntry:
    """Verify one entry, whatever its status (current, suspended or lapsed)."""
    entry = queries.verify_register_entry(session=session, registration_number=registration_number)
    if entry is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"no register entry for {registration_number}"
        )
    return entry
