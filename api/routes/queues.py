"""Staff queues, from the read model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import OfficerOrAdmin, SessionDep
from api.schemas import StaffQueue
from storage import queries
from storage.queries import MAX_PAGE_SIZE, Page, QueueItem

router = APIRouter(prefix="/queues", tags=["staff"])


@router.get("/{queue}")
def list_queue(
    queue: StaffQueue,
    _principal: OfficerOrAdmin,
    session: SessionDep,
    overdue_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[QueueItem]:
    """Applications waiting in a staff queue, most urgent first."""
    return queries.list_queue(
        session=session,
        queue=queue.value,
        now=datetime.now(UTC),
        overdue_only=overdue_only,
        limit=limit,
        offset=offset,
    )
