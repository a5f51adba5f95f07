"""Members' accreditations for staff, from the read model (R20, R23): e.g. who expires soon."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import OfficerOrAdmin, Offset, SessionDep
from models.dates import IsoDate
from models.enums import RegisterStatus
from models.records import AccreditationSummary
from storage import queries
from storage.queries import MAX_PAGE_SIZE, Page

router = APIRouter(prefix="/accreditations", tags=["staff"])


@router.get("")
def list_accreditations(
    _principal: OfficerOrAdmin,
    session: SessionDep,
    status: RegisterStatus | None = None,
    expiring_before: Annotated[IsoDate | None, Query(description="YYYY-MM-DD")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    offset: Offset = 0,
) -> Page[AccreditationSummary]:
    """Members' accreditations, soonest expiry first, by status and expiry."""
    return queries.list_accreditations(
        session=session,
        status=status,
        expiring_before=expiring_before,
        limit=limit,
        offset=offset,
    )
