"""Read functions for the staff console: assessors with their workload, and recent events.

Every function takes keyword-only arguments and a caller-owned ``Session``; none writes.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.allocation import WORKLOAD_STATES
from models.records import Assessor, AuditEvent
from storage.tables import ApplicationSummaryRow, AssessorRow, AuditEventRow

"""R12: applications in this state count towards an assessor's open workload."""

RECENT_EVENTS = 20


def assessors_with_workload(
    *, session: Session, active_only: bool = True, leave_out_application: str | None = None
) -> tuple[list[Assessor], dict[str, int]]:
    """The assessors, and each one's open assessments (R12's workload).

    Args:
        session: an open session.
        active_only: only active assessors (allocation); all of them for the console, which
            shows why an inactive one is excluded.
        leave_out_application: an application not to count (an allocation retried after its
            summary already names the assessor must not count against them).
    """
    query = select(AssessorRow).order_by(AssessorRow.assessor_id)
    if active_only:
        query = query.where(AssessorRow.active.is_(True))
    assessors = [
        Assessor.model_validate(row, from_attributes=True) for row in session.scalars(query)
    ]
    counted = select(ApplicationSummaryRow.assessor_id, func.count()).where(
        ApplicationSummaryRow.state.in_([s.value for s in WORKLOAD_STATES]),
        ApplicationSummaryRow.assessor_id.is_not(None),
    )
    if leave_out_application is not None:
        counted = counted.where(ApplicationSummaryRow.application_id != leave_out_application)
    rows = session.execute(counted.group_by(ApplicationSummaryRow.assessor_id))
    return assessors, {assessor_id: count for assessor_id, count in rows if assessor_id}


def recent_events(*, session: Session, limit: int = RECENT_EVENTS) -> list[AuditEvent]:
    """What happened last across every application, newest first."""
    rows = session.scalars(
        select(AuditEventRow)
        .order_by(AuditEventRow.at.desc(), AuditEventRow.id.desc())
        .limit(limit)
    )
    return [AuditEvent.model_validate(row, from_attributes=True) for row in rows]
