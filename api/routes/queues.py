"""Staff queues, from the read model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Assessor, OfficerOrAdmin, Offset, SessionDep
from models.enums import ApplicationKind, Pathway
from models.queues import StaffQueue
from storage import queries
from storage.queries import MAX_PAGE_SIZE, Page, QueueItem

router = APIRouter(prefix="/queues", tags=["staff"])


@router.get("/{queue}")
def list_queue(
    queue: StaffQueue,
    _principal: OfficerOrAdmin,
    session: SessionDep,
    overdue_only: bool = False,
    pathway: Pathway | None = None,
    kind: ApplicationKind | None = None,
    assessor_id: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    offset: Offset = 0,
) -> Page[QueueItem]:
    """Applications waiting in a staff queue, most urgent first, optionally filtered."""
    return queries.list_queue(
        session=session,
        queue=queue.value,
        now=datetime.now(UTC),
        overdue_only=overdue_only,
        pathway=pathway,
        kind=kind,
        assessor_id=assessor_id,
        limit=limit,
        offset=offset,
    )


@router.get("/assessor/mine")
def list_my_assessments(
    principal: Assessor,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    offset: Offset = 0,
) -> Page[QueueItem]:
    """The assessor's own allocated applications, most urgent first."""
    return queries.list_queue(
        session=session,
        queue=None,
        now=datetime.now(UTC),
        assessor_id=principal.sub,
        limit=limit,
        offset=offset,
    )
