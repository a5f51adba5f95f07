"""Which staff queue an application waits in (the read model's ``queue`` column)."""

from __future__ import annotations

from enum import StrEnum

from models.application_machine import ApplicationState


class StaffQueue(StrEnum):
    """The staff queues: where an application waits for an officer or an assessor."""

    AWAITING_VERIFICATION = "awaiting_verification"
    AWAITING_ALLOCATION = "awaiting_allocation"
    AWAITING_ASSESSMENT = "awaiting_assessment"
    AWAITING_RATIFICATION = "awaiting_ratification"
    OVERDUE = "overdue"
    """assessments past the assessor SLA, for the officers"""


STAFF_QUEUES: dict[ApplicationState, StaffQueue] = {
    ApplicationState.IN_VERIFICATION: StaffQueue.AWAITING_VERIFICATION,
    ApplicationState.AWAITING_ALLOCATION: StaffQueue.AWAITING_ALLOCATION,
    ApplicationState.IN_ASSESSMENT: StaffQueue.AWAITING_ASSESSMENT,
    ApplicationState.AWAITING_RATIFICATION: StaffQueue.AWAITING_RATIFICATION,
}


def staff_queue(state: ApplicationState, *, overdue: bool) -> StaffQueue | None:
    """The queue for ``state``; an overdue assessment moves to the officers' overdue queue."""
    if overdue and state == ApplicationState.IN_ASSESSMENT:
        return StaffQueue.OVERDUE
    return STAFF_QUEUES.get(state)
