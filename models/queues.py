"""Which staff queue an application waits in (the read model's ``queue`` column)."""

from __future__ import annotations

from models.application_machine import ApplicationState

STAFF_QUEUES: dict[ApplicationState, str] = {
    ApplicationState.IN_VERIFICATION: "awaiting_verification",
    ApplicationState.AWAITING_ALLOCATION: "awaiting_allocation",
    ApplicationState.IN_ASSESSMENT: "awaiting_assessment",
    ApplicationState.AWAITING_RATIFICATION: "awaiting_ratification",
}

OVERDUE_QUEUE = "overdue"


def staff_queue(state: ApplicationState, *, overdue: bool) -> str | None:
    """The queue for ``state``; an overdue assessment moves to the officers' overdue queue."""
    if overdue and state == ApplicationState.IN_ASSESSMENT:
        return OVERDUE_QUEUE
    return STAFF_QUEUES.get(state)
